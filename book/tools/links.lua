-- Pandoc filter for the book: links between chapters point at the rendered
-- pages.
function Link(link)
  link.target = link.target:gsub("%.md$", ".html"):gsub("%.md#", ".html#")
  return link
end
