#!/bin/sh
# lint.sh - the static checks the kit keeps clean: cppcheck and clang-tidy
# over every C file of every stage and of common/.  Run by `make lint`.
set -eu
cd "$(dirname "$0")/.."

# cppcheck reads the GNU computed-goto label address &&label as a logical
# and, so assignBoolToPointer is off; and it reads no system header, so it is
# told what <stdnoreturn.h> means (die() and friends never return).
# Each C file is checked with its stage's include path, as the build sees it.
# (tests/fuzz/ and tests/link/ compile against a stage's headers from outside
# it, with their own include paths, and are built with -Werror by their tests.)
sources=$(git ls-files '*.c' | grep -v '^tests/fuzz/' | grep -v '^tests/link/')
status=0

echo "cppcheck: $(echo "$sources" | wc -l) files"
for file in $sources; do
	stage=${file%%/*}
	cppcheck --quiet --error-exitcode=1 --inline-suppr --std=c11 \
		--enable=warning,performance,portability \
		--suppress=missingIncludeSystem "-Dnoreturn=__attribute__((noreturn))" \
		--suppress=assignBoolToPointer \
		-I common -I "$stage/src" -D__GNUC__ "$file" || status=1
done

# clang-tidy: the analyzer and the bug-prone checks, less those that flag the
# kit's deliberate idioms (see each line).
checks='-*,clang-analyzer-*,bugprone-*,performance-*,portability-*'
checks="$checks,-bugprone-easily-swappable-parameters"  # (a, b) of one type is fine
checks="$checks,-bugprone-reserved-identifier"          # include guards like COMMON_DIAG_H
checks="$checks,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling"
checks="$checks,-bugprone-assignment-in-if-condition"
checks="$checks,-bugprone-not-null-terminated-result"     # 4-byte magic numbers
echo "clang-tidy: $(echo "$sources" | wc -l) files"
for file in $sources; do
	stage=${file%%/*}
	clang-tidy --quiet --checks="$checks" --warnings-as-errors='*' "$file" -- \
		-std=gnu11 -I common -I "$stage/src" 2>/dev/null || status=1
done

[ $status -eq 0 ] && echo "lint: clean"
exit $status
