# Staged VMs - the top level.  Every stage also builds alone:
#     make -C stage01-stackvm
#
#   make          build every stage
#   make demo     install what is missing, build, run all four stages
#   make test     install what is missing, build, run the whole test suite
#   make asan     the whole suite again, against AddressSanitizer +
#                 UndefinedBehaviorSanitizer builds (in each stage's build-asan/)
#   make compare  the stack machine against the register machine, as a table
#   make clean    remove every build folder
#
# WERROR=0 keeps a build going on warnings (for a newer compiler than ours).

STAGES := stage01-stackvm stage02-regvm stage03-kvm-hello stage04-kvm-linux
PYTEST := /usr/bin/python3 -m pytest
PACKAGE_LISTS := $(wildcard */debian-packages.txt)

.PHONY: all deps demo test asan compare clean $(STAGES)

all: $(STAGES)

$(STAGES):
	$(MAKE) -C $@

# Debian packages every stage, the tests and the book need, installed once.
deps:
	@common/install-packages.sh $(PACKAGE_LISTS)

demo: deps all
	@for stage in $(STAGES); do $(MAKE) --no-print-directory -C $$stage demo || exit; done

# test-inputs: what a stage's tests need beyond its programs (a kernel, say).
test: deps all
	@for stage in $(STAGES); do $(MAKE) --no-print-directory -C $$stage test-inputs || exit; done
	$(PYTEST) tests

asan: deps
	@for stage in $(STAGES); do \
		$(MAKE) -C $$stage BUILD=build-asan SANITIZE=1 all test-inputs || exit; done
	KIT_BUILD=build-asan $(PYTEST) tests

# The stack-vs-register table of book chapter 3, on every .toy program of the kit.
compare: deps stage01-stackvm stage02-regvm
	/usr/bin/python3 tests/bench/compare.py

clean:
	@for stage in $(STAGES); do $(MAKE) --no-print-directory -C $$stage clean || exit; done
