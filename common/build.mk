# build.mk - the build rules every stage shares.
#
# A stage's Makefile sets nothing, includes this file, then lists its objects:
#
#     include ../common/build.mk
#     STACKVM_OBJS = $(call objs, main.o asm.o) $(COMMON_OBJS)
#     $(BUILD)/stackvm: $(STACKVM_OBJS)
#             $(LINK)
#
# Knobs a student may turn on the command line:
#     WERROR=0     keep going on warnings (a newer compiler may warn more)
#     SANITIZE=1   AddressSanitizer + UndefinedBehaviorSanitizer
#     BUILD=dir    where objects and programs go (default build/)

.DEFAULT_GOAL := all

# A recipe that fails leaves no target behind: a half-written file would be
# up to date for every later make.  (A pipeline's status is its last
# command's, so a rule that must not hide a failure avoids one.)
.DELETE_ON_ERROR:

BUILD    ?= build
WERROR   ?= 1
SANITIZE ?= 0
COMMON   := ../common

WARNINGS := -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes \
            -Wformat=2 -Wundef -Wwrite-strings -Wshadow -Wvla \
            -Wold-style-definition -Wimplicit-fallthrough
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS) -I$(COMMON) -Isrc -MMD -MP
ALL_LDFLAGS = $(LDFLAGS)

ifeq ($(WERROR),1)
ALL_CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer
ALL_CFLAGS += $(SAN_FLAGS)
ALL_LDFLAGS += $(SAN_FLAGS)
endif

# Objects of common/ a stage may link, by folder (see README.md):
#   base/  diagnostics and file reading, for every stage;
#   lang/  the two interpreters' languages: the assembler's lexer and its
#          symbol tables, fix-ups and shared directives (asm_symbols.c),
#          the bytecode files' shared parts (bytecode_file.c), the line
#          table (a compiled program's source positions), a run's memory
#          (vm_memory.c) and its faults' reports (vm_fault.c), the symbol
#          table (a hash table, used by the assemblers and the Toy resolver),
#          the text buffer the back ends write into, the Toy front end with
#          the if chain both back ends compile alike (toy_if.c), and the
#          command line both interpreters share (vm_main.c);
#   kvm/   the two monitors' KVM toolbox: opening KVM and creating the VM
#          (kvm_vm), a vCPU with its kvm_run page and its register dump
#          (kvm_vcpu), long mode's page tables and GDT (long_mode), exit
#          reasons' names and failure messages (kvm_exit), the supported
#          CPUID, the --timeout parser and timer, and the clock (clock.h).
COMMON_OBJS := $(BUILD)/common/base/diag.o $(BUILD)/common/base/file.o
KVM_OBJS    := $(BUILD)/common/kvm/kvm_vm.o $(BUILD)/common/kvm/kvm_vcpu.o \
               $(BUILD)/common/kvm/long_mode.o $(BUILD)/common/kvm/kvm_exit.o \
               $(BUILD)/common/kvm/kvm_cpuid.o $(BUILD)/common/kvm/timeout.o
ASM_LEXER_OBJS := $(BUILD)/common/lang/asm_lexer.o $(BUILD)/common/lang/asm_symbols.o \
                  $(BUILD)/common/lang/line_table.o $(BUILD)/common/lang/vm_fault.o \
                  $(BUILD)/common/lang/vm_memory.o $(BUILD)/common/lang/bytecode_file.o
SYMTAB_OBJS := $(BUILD)/common/lang/symtab.o
VM_MAIN_OBJS := $(BUILD)/common/lang/vm_main.o
TOY_OBJS    := $(BUILD)/common/lang/toy_lexer.o $(BUILD)/common/lang/toy_parser.o \
               $(BUILD)/common/lang/text.o $(BUILD)/common/lang/toy_if.o \
               $(BUILD)/common/lang/toy_resolve.o $(BUILD)/common/lang/toy_stack.o

objs = $(addprefix $(BUILD)/,$(1))
LINK = $(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/common/%.o: $(COMMON)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
