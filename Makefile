# Staged VMs - the top level.  Every stage also builds alone:
#     make -C stage01-stackvm
#
#   make          build every stage
#   make demo     install what is missing, build, run all four stages
#   make test     install what is missing, build, run the whole test suite
#   make asan     the whole suite again, against AddressSanitizer +
#                 UndefinedBehaviorSanitizer builds (in each stage's build-asan/)
#   make check-nested  the KVM tests on kvm_amd nested in QEMU's software
#                 emulation, for a host without KVM (a few minutes)
#   make compare  the stack machine against the register machine, as a table
#   make bench    every stage measured against its peers, as tables
#   make lint     cppcheck and clang-tidy over every C file
#   make fuzz     fuzz every parser and loader (FUZZ_SECONDS=120 each)
#   make book     the book as HTML, in build/book/
#   make book-check  every page of the book in headless Chromium: a screenshot
#                 each, in build/book-check/screenshots/, and no table cell
#                 wrapped more than once, no missing picture
#   make grade    grade the exercises: a table, and grade.json
#   make student DEST=dir   a starter kit with the exercises' solutions taken out
#   make clean    remove every build folder
#
# WERROR=0 keeps a build going on warnings (for a newer compiler than ours).

# A recipe that fails leaves no target behind (the stages' rules say the
# same in common/build.mk).
.DELETE_ON_ERROR:

STAGES := stage01-stackvm stage02-regvm stage03-kvm-hello stage04-kvm-linux
PYTEST := /usr/bin/python3 -m pytest
PACKAGE_LISTS := $(wildcard */debian-packages.txt */*/debian-packages.txt)

.PHONY: all deps demo test-inputs test asan check-nested compare bench lint fuzz book book-check grade \
        student clean $(STAGES)

all: $(STAGES)

$(STAGES):
	$(MAKE) -C $@

# Debian packages every stage, the tests and the book need, installed once.
deps:
	@common/install-packages.sh $(PACKAGE_LISTS)

demo: deps all
	@for stage in $(STAGES); do $(MAKE) --no-print-directory -C $$stage demo || exit; done

# What the stages' tests need beyond their programs (a kernel, say).
test-inputs: all
	@for stage in $(STAGES); do $(MAKE) --no-print-directory -C $$stage test-inputs || exit; done

test: deps test-inputs
	$(PYTEST) tests

# Stages 3 and 4's tests on a real KVM where the host has none (tests/nested/).
check-nested: deps test-inputs
	tests/nested/run.sh

asan: deps
	@for stage in $(STAGES); do \
		$(MAKE) -C $$stage BUILD=build-asan SANITIZE=1 all test-inputs || exit; done
	KIT_BUILD=build-asan $(PYTEST) tests

# The stack-vs-register table of book chapter 3, on every Toy program of the kit.
compare: deps stage01-stackvm stage02-regvm
	/usr/bin/python3 tests/bench/compare.py

# Every stage against what a user would pick instead (Lua, Python, C, a system
# call), as Markdown tables on stdout and in build/bench/results.md, with charts.
bench: deps test-inputs
	/usr/bin/python3 tests/bench/bench.py

# Static checks the kit keeps clean: cppcheck and clang-tidy on every C file.
lint: deps
	tests/lint.sh

# Every parser and loader under libFuzzer, FUZZ_SECONDS each (tests/fuzz/).
FUZZ_SECONDS ?= 120
fuzz: deps
	$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

# The book as HTML in build/book/: the author's charts, and the reader's own
# beside them once make bench / make compare have run.
book: deps compare
	/usr/bin/python3 book/tools/listings.py --check
	/usr/bin/python3 book/tools/render.py

# The book's pages in a real browser.  Chromium is needed here only, so it is
# in its own list rather than in what make deps installs.
book-check: deps
	@common/install-packages.sh book/check-packages.txt
	/usr/bin/python3 book/tools/check.py

# Teachers: grade the exercises of this tree (table on stdout, grade.json).
# grade.py builds what it grades, with the sanitizers (in build-grade/).
# TESTS=/path/to/clean/tests grades this tree with that copy's tests and grader.
grade: deps
	/usr/bin/python3 $(or $(TESTS),tests)/grade.py --root $(CURDIR)

# Teachers: write a starter kit for students, every exercise's solution stubbed.
student:
	@test -n "$(DEST)" || { echo "usage: make student DEST=dir" >&2; exit 2; }
	/usr/bin/python3 book/tools/starter_kit.py $(DEST)

clean:
	@for stage in $(STAGES); do $(MAKE) --no-print-directory -C $$stage clean || exit; done
	$(MAKE) --no-print-directory -C tests/fuzz clean
	rm -rf build
