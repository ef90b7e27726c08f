# Guest image build.
#
#   skiff_add_guest(NAME <n> TARGET spt|hvt SOURCES <c files...> NICS <nics...>)
#
# Each NICS entry is a NIC name, optionally followed by ":vnet" to ask for
# virtio-net headers and offloads on that NIC (SKIFF_NIC_F_VNET; the guest
# code must then handle SOLO5_NET_F_VNET, see solo5.h).
#
# builds the static, freestanding ELF64 image <n>.<target> in the build tree's
# guest/ folder: the given sources, the guest runtime, the bindings for the
# target and the shmstream ring library, linked at SKIFF_GUEST_LOAD_MIN with
# guest/guest.ld. A generated C file supplies the image's two ELF notes: the
# ABI note (target, ABI version) and the manifest (the NICS, in order: NIC i
# gets handle i). Runtime, bindings and ring library are compiled once per
# target into an object library shared by all images of that target.

get_filename_component(SKIFF_GUEST_DIR "${CMAKE_CURRENT_LIST_DIR}/../guest" ABSOLUTE)

set(SKIFF_GUEST_COMMON_SOURCES
  ${SKIFF_GUEST_DIR}/runtime/start.c
  ${SKIFF_GUEST_DIR}/runtime/string.c
  ${SKIFF_GUEST_DIR}/runtime/printf.c
  ${SKIFF_GUEST_DIR}/bindings/init.c
  ${SKIFF_GUEST_DIR}/bindings/net.c
  ${SKIFF_GUEST_DIR}/bindings/net_rx.c
  ${SKIFF_GUEST_DIR}/bindings/net_tx.c
  ${SKIFF_GUEST_DIR}/bindings/yield.c
  ${SKIFF_GUEST_DIR}/bindings/platform.c
  ${SKIFF_GUEST_DIR}/bindings/tls.c)
set(SKIFF_GUEST_spt_SOURCES ${SKIFF_GUEST_DIR}/bindings/spt/hc_spt.c)
set(SKIFF_GUEST_hvt_SOURCES ${SKIFF_GUEST_DIR}/bindings/hvt/hc_hvt.c)
set(SKIFF_GUEST_spt_ID SKIFF_TARGET_SPT)
set(SKIFF_GUEST_hvt_ID SKIFF_TARGET_HVT)

# Usage requirements every guest object and image of a target shares:
# freestanding code generation, no libc, our linker script, and the warning
# set (but never skiff_host: no sanitizers or hosted defines in a guest).
function(_skiff_guest_flags target)
  set(lib skiff_guest_flags_${target})
  if(TARGET ${lib})
    return()
  endif()
  add_library(${lib} INTERFACE)
  target_link_libraries(${lib} INTERFACE skiff_warnings)
  target_compile_options(${lib} INTERFACE
    -ffreestanding -fno-stack-protector -fno-pic -fno-pie -mno-red-zone
    -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-exceptions
    -fno-common -O2
    # One static image: every thread-local variable is at a fixed offset
    # from %fs (what guest/bindings/tls.c lays out).
    -ftls-model=local-exec
    # gcc may turn copy/fill loops into calls to memcpy/memset - inside
    # memcpy/memset that would recurse forever.
    $<$<C_COMPILER_ID:GNU>:-fno-tree-loop-distribute-patterns>)
  target_compile_definitions(${lib} INTERFACE
    SKIFF_GUEST_TARGET=${SKIFF_GUEST_${target}_ID})
  target_include_directories(${lib} INTERFACE
    ${SKIFF_GUEST_DIR}/include ${SHMSTREAM_INCLUDE_DIR})
  target_include_directories(${lib} SYSTEM INTERFACE ${SKIFF_URCU_INCLUDE_DIRS})
  target_link_options(${lib} INTERFACE
    -nostdlib -static $<$<C_COMPILER_ID:GNU>:-no-pie>
    -Wl,-T,${SKIFF_GUEST_DIR}/guest.ld
    -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--build-id=none
    -Wl,--orphan-handling=error -Wl,--no-undefined)
endfunction()

# Runtime + bindings + ring library for one target, built once.
function(_skiff_guest_runtime target)
  set(lib skiff_guest_rt_${target})
  if(TARGET ${lib})
    return()
  endif()
  _skiff_guest_flags(${target})
  add_library(${lib} OBJECT
    ${SKIFF_GUEST_COMMON_SOURCES} ${SKIFF_GUEST_${target}_SOURCES}
    ${SHMSTREAM_SOURCES})
  target_link_libraries(${lib} PUBLIC skiff_guest_flags_${target})
endfunction()

function(skiff_add_guest)
  cmake_parse_arguments(PARSE_ARGV 0 G "" "NAME;TARGET" "SOURCES;NICS")
  if(NOT G_NAME OR NOT G_SOURCES)
    message(FATAL_ERROR "skiff_add_guest: NAME and SOURCES are required")
  endif()
  if(NOT G_TARGET MATCHES "^(spt|hvt)$")
    message(FATAL_ERROR "skiff_add_guest(${G_NAME}): TARGET must be spt or hvt")
  endif()
  list(LENGTH G_NICS nic_count)
  if(nic_count GREATER 8)
    message(FATAL_ERROR "skiff_add_guest(${G_NAME}): at most 8 NICS")
  endif()
  set(seen "")
  set(nic_init "")
  foreach(entry IN LISTS G_NICS)
    set(flags 0)
    set(nic "${entry}")
    if(entry MATCHES "^([^:]*):(.*)$")
      set(nic "${CMAKE_MATCH_1}")
      if(NOT CMAKE_MATCH_2 STREQUAL "vnet")
        message(FATAL_ERROR "skiff_add_guest(${G_NAME}): NIC '${entry}': unknown "
          "option '${CMAKE_MATCH_2}' (only NAME or NAME:vnet)")
      endif()
      set(flags SKIFF_NIC_F_VNET)
    endif()
    string(LENGTH "${nic}" len)
    if(NOT nic MATCHES "^[A-Za-z0-9_]+$" OR len GREATER 31)
      message(FATAL_ERROR "skiff_add_guest(${G_NAME}): bad NIC name '${nic}' "
        "([A-Za-z0-9_], 1-31 characters)")
    endif()
    if(nic IN_LIST seen)
      message(FATAL_ERROR "skiff_add_guest(${G_NAME}): NIC '${nic}' twice")
    endif()
    list(APPEND seen ${nic})
    string(APPEND nic_init "            {.name = \"${nic}\", .flags = ${flags}},\n")
  endforeach()

  set(image ${G_NAME}.${G_TARGET})
  string(TOUPPER ${G_TARGET} target_upper)
  set(notes_c ${CMAKE_CURRENT_BINARY_DIR}/${image}.notes.c)
  file(CONFIGURE OUTPUT ${notes_c} @ONLY CONTENT [=[
/* Generated by skiff_add_guest() for @image@: its Skiff ELF notes. */
#include <stdint.h>

#include "skiff/abi.h"

/* An ELF note: 12-byte header, owner name padded to 4 bytes, descriptor. */
#define SKIFF_NOTE(desc_type)                                                  \
    struct {                                                                   \
        uint32_t namesz, descsz, type;                                         \
        char name[(sizeof SKIFF_NOTE_NAME + 3) & ~3u];                         \
        desc_type desc;                                                        \
    }
#define SKIFF_NOTE_SECTION(s) __attribute__((section(s), aligned(4), used))

_Static_assert(sizeof(struct skiff_manifest) % 4 == 0, "note padding");
_Static_assert(sizeof(struct skiff_abi_note) % 4 == 0, "note padding");

static const SKIFF_NOTE(struct skiff_abi_note) skiff_abi_note
    SKIFF_NOTE_SECTION(".note.skiff.abi") = {
    .namesz = sizeof SKIFF_NOTE_NAME,
    .descsz = sizeof(struct skiff_abi_note),
    .type = SKIFF_NOTE_ABI,
    .name = SKIFF_NOTE_NAME,
    .desc = {.target = SKIFF_TARGET_@target_upper@,
             .abi_version = SKIFF_ABI_VERSION},
};

static const SKIFF_NOTE(struct skiff_manifest) skiff_manifest_note
    SKIFF_NOTE_SECTION(".note.skiff.manifest") = {
    .namesz = sizeof SKIFF_NOTE_NAME,
    .descsz = sizeof(struct skiff_manifest),
    .type = SKIFF_NOTE_MANIFEST,
    .name = SKIFF_NOTE_NAME,
    .desc = {
        .version = SKIFF_MANIFEST_VERSION,
        .nic_count = @nic_count@,
        .nics = {
@nic_init@        },
    },
};
]=])

  _skiff_guest_runtime(${G_TARGET})
  add_executable(${image} ${G_SOURCES} ${notes_c})
  target_link_libraries(${image} PRIVATE skiff_guest_rt_${G_TARGET})
  set_target_properties(${image} PROPERTIES
    OUTPUT_NAME ${image}
    SUFFIX ""
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/guest
    LINK_DEPENDS ${SKIFF_GUEST_DIR}/guest.ld)
endfunction()
