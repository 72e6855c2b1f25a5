-- Pandoc filter for the book: links between chapters point at the rendered
-- pages, and pictures made by the build are taken from the page's img/ folder
-- (book/tools/render.py copies them there).
function Link(link)
  link.target = link.target:gsub("%.md$", ".html"):gsub("%.md#", ".html#")
  return link
end

function Image(image)
  if image.src:match("^%.%./build/") then
    image.src = "img/" .. image.src:match("([^/]+)$")
  end
  return image
end
