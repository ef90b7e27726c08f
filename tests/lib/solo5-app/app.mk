# The toolchain of a test unikernel built exactly as an outside project
# would (nothing but the installed toolchain under PREFIX: the compiler
# wrapper, solo5-elftool, the bindings it links), and app.o, the helpers
# every such unikernel links (app.h). Included by tests/launchers and
# tests/solo5-conformance, whose `all` stays the default goal.
#
#   make PREFIX=/path/to/prefix OUT=/path/to/build

PREFIX ?= /usr/local
OUT ?= build
CC := $(PREFIX)/bin/x86_64-solo5-none-static-cc
ELFTOOL := $(PREFIX)/bin/solo5-elftool
CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror
APP := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
.DEFAULT_GOAL := all

$(OUT):
	mkdir -p $@

$(OUT)/app.o: $(APP)/app.c $(APP)/app.h | $(OUT)
	$(CC) $(CFLAGS) -I$(APP) -c $< -o $@
