# Guest images and the Solo5-compatible toolchain they are built with.
#
# The toolchain (toolchain/CMakeLists.txt) is assembled in the build tree
# under ${SKIFF_TC_DIR} in the same layout `cmake --install` gives a prefix:
#   bin/x86_64-solo5-none-static-{cc,ld,objcopy}, bin/solo5-elftool,
#   include/solo5/ (API headers), include/x86_64-solo5-none-static/
#   (freestanding compiler headers), lib/x86_64-solo5-none-static/
#   solo5_{spt,hvt,stub}.{o,lds}.
#
#   skiff_add_guest(NAME <n> TARGET spt|hvt SOURCES <c files...>
#                   [NICS <nics...>] [BLOCKS <names...>] [INCLUDES <dirs...>]
#                   [INTERNAL])
#
# builds <build>/guest/<n>.<target> exactly as an outside project would:
# a manifest.json from NICS, `solo5-elftool gen-manifest` for its note, every
# source compiled and the image linked by the build tree's
# x86_64-solo5-none-static-cc with -z solo5-abi=<target>. skiff's own code
# adds its warning set and the runtime's printf/string functions (guest/
# runtime, which the bindings object keeps local). Each NICS entry is a NIC
# name, optionally followed by ":vnet" (skiff's option, carried in skiff's
# own note: virtio-net headers and offloads on that NIC, see solo5.h).
# INTERNAL (hostile test guests only) links the bindings with every symbol
# still global (solo5_<target>_internal, build tree only) so the test can
# reach into them.

get_filename_component(SKIFF_GUEST_DIR "${CMAKE_CURRENT_LIST_DIR}/../guest" ABSOLUTE)

set(SKIFF_TRIPLE x86_64-solo5-none-static)
set(SKIFF_TC_DIR ${CMAKE_BINARY_DIR}/toolchain)
set(SKIFF_TC_BIN ${SKIFF_TC_DIR}/bin)
set(SKIFF_TC_LIB ${SKIFF_TC_DIR}/lib/${SKIFF_TRIPLE})
set(SKIFF_TC_CC ${SKIFF_TC_BIN}/${SKIFF_TRIPLE}-cc)

set(SKIFF_GUEST_COMMON_SOURCES
  ${SKIFF_GUEST_DIR}/runtime/start.c
  ${SKIFF_GUEST_DIR}/runtime/string.c
  ${SKIFF_GUEST_DIR}/runtime/printf.c
  ${SKIFF_GUEST_DIR}/runtime/ssp.c
  ${SKIFF_GUEST_DIR}/bindings/abi_note.c
  ${SKIFF_GUEST_DIR}/bindings/init.c
  ${SKIFF_GUEST_DIR}/bindings/block.c
  ${SKIFF_GUEST_DIR}/bindings/net.c
  ${SKIFF_GUEST_DIR}/bindings/net_rx.c
  ${SKIFF_GUEST_DIR}/bindings/net_tx.c
  ${SKIFF_GUEST_DIR}/bindings/yield.c
  ${SKIFF_GUEST_DIR}/bindings/platform.c
  ${SKIFF_GUEST_DIR}/bindings/tls.c)
set(SKIFF_GUEST_spt_SOURCES ${SKIFF_GUEST_DIR}/bindings/spt/hc_spt.c
  ${SKIFF_GUEST_DIR}/bindings/spt/capture_spt.c)
set(SKIFF_GUEST_hvt_SOURCES ${SKIFF_GUEST_DIR}/bindings/hvt/hc_hvt.c
  ${SKIFF_GUEST_DIR}/bindings/hvt/netio_hvt.c)
set(SKIFF_GUEST_stub_SOURCES ${SKIFF_GUEST_DIR}/bindings/stub/stub.c)
set(SKIFF_GUEST_spt_ID SKIFF_TARGET_SPT)
set(SKIFF_GUEST_hvt_ID SKIFF_TARGET_HVT)
set(SKIFF_GUEST_stub_ID 0)

# Flags for the bindings' own objects (skiff's code: warning set, no
# stack protector inside the code that seeds it).
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
endfunction()

# The objects of one bindings flavour (spt, hvt: runtime + bindings + ring
# library; stub), compiled once; toolchain/ turns them into solo5_<t>.o.
function(_skiff_guest_runtime target)
  set(lib skiff_guest_rt_${target})
  if(TARGET ${lib})
    return()
  endif()
  _skiff_guest_flags(${target})
  if(target STREQUAL "stub")
    add_library(${lib} OBJECT ${SKIFF_GUEST_stub_SOURCES})
  else()
    add_library(${lib} OBJECT
      ${SKIFF_GUEST_COMMON_SOURCES} ${SKIFF_GUEST_${target}_SOURCES}
      ${SHMSTREAM_SOURCES})
  endif()
  target_link_libraries(${lib} PUBLIC skiff_guest_flags_${target})
endfunction()

# Compile flags skiff's own images add to the toolchain's (computed when an
# image is added: the ring library's include path is known only then).
function(_skiff_image_cflags out)
  set(flags
    -std=c11 -O2 -g
    -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual -Wwrite-strings
    -Wstrict-prototypes -Wmissing-prototypes -Wvla
    -fno-common -mno-red-zone
    -I${SKIFF_GUEST_DIR}/include -I${SHMSTREAM_INCLUDE_DIR})
  foreach(dir IN LISTS SKIFF_URCU_INCLUDE_DIRS)
    list(APPEND flags -isystem ${dir})
  endforeach()
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    list(APPEND flags -fno-tree-loop-distribute-patterns)
  endif()
  set(${out} ${flags} PARENT_SCOPE)
endfunction()

function(skiff_add_guest)
  cmake_parse_arguments(PARSE_ARGV 0 G "INTERNAL" "NAME;TARGET" "SOURCES;NICS;BLOCKS;INCLUDES")
  if(NOT G_NAME OR NOT G_SOURCES)
    message(FATAL_ERROR "skiff_add_guest: NAME and SOURCES are required")
  endif()
  if(NOT G_TARGET MATCHES "^(spt|hvt)$")
    message(FATAL_ERROR "skiff_add_guest(${G_NAME}): TARGET must be spt or hvt")
  endif()
  set(seen "")
  set(devices "")
  foreach(entry IN LISTS G_NICS)
    # skiff's own images all handle SOLO5_R_CLOSED (the opt-in).
    set(opts ", \"skiff\": { \"closed\": true }")
    set(nic "${entry}")
    if(entry MATCHES "^([^:]*):(.*)$")
      set(nic "${CMAKE_MATCH_1}")
      if(NOT CMAKE_MATCH_2 STREQUAL "vnet")
        message(FATAL_ERROR "skiff_add_guest(${G_NAME}): NIC '${entry}': unknown "
          "option '${CMAKE_MATCH_2}' (only NAME or NAME:vnet)")
      endif()
      set(opts ", \"skiff\": { \"vnet\": true, \"closed\": true }")
    endif()
    string(LENGTH "${nic}" len)
    if(NOT nic MATCHES "^[A-Za-z0-9]+$" OR len GREATER 31)
      message(FATAL_ERROR "skiff_add_guest(${G_NAME}): bad NIC name '${nic}' "
        "([A-Za-z0-9], 1-31 characters)")
    endif()
    if(nic IN_LIST seen)
      message(FATAL_ERROR "skiff_add_guest(${G_NAME}): NIC '${nic}' twice")
    endif()
    list(APPEND seen ${nic})
    if(devices)
      string(APPEND devices ",\n")
    endif()
    string(APPEND devices "    { \"name\": \"${nic}\", \"type\": \"NET_BASIC\"${opts} }")
  endforeach()

  foreach(blk IN LISTS G_BLOCKS)
    if(NOT blk MATCHES "^[A-Za-z0-9]+$" OR blk IN_LIST seen)
      message(FATAL_ERROR "skiff_add_guest(${G_NAME}): bad or repeated block device '${blk}'")
    endif()
    list(APPEND seen ${blk})
    if(devices)
      string(APPEND devices ",\n")
    endif()
    string(APPEND devices "    { \"name\": \"${blk}\", \"type\": \"BLOCK_BASIC\" }")
  endforeach()

  set(image ${G_NAME}.${G_TARGET})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${image}.d)
  set(json ${work}/manifest.json)
  set(mft_c ${work}/manifest.c)
  file(CONFIGURE OUTPUT ${json} @ONLY CONTENT [=[
{
  "type": "solo5.manifest",
  "version": 1,
  "devices": [
@devices@
  ]
}
]=])
  add_custom_command(OUTPUT ${mft_c}
    COMMAND ${SKIFF_TC_BIN}/solo5-elftool gen-manifest ${json} ${mft_c}
    DEPENDS ${json} solo5-elftool
    COMMENT "Generating the manifest of ${image}" VERBATIM)

  set(abi ${G_TARGET})
  set(sources ${G_SOURCES} ${mft_c})
  if(G_INTERNAL)
    set(abi ${G_TARGET}_internal)
  else()
    list(APPEND sources ${SKIFF_GUEST_DIR}/runtime/printf.c ${SKIFF_GUEST_DIR}/runtime/string.c)
  endif()
  _skiff_image_cflags(cflags)
  if(NOT SHMSTREAM_INCLUDE_DIR)
    message(FATAL_ERROR "skiff_add_guest(${G_NAME}): the ring library is not configured yet")
  endif()
  foreach(dir IN LISTS G_INCLUDES)
    get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND cflags -I${dir})
  endforeach()

  set(objs "")
  set(i 0)
  foreach(src IN LISTS sources)
    get_filename_component(src "${src}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    get_filename_component(base "${src}" NAME_WE)
    set(obj ${work}/${i}_${base}.o)
    math(EXPR i "${i} + 1")
    add_custom_command(OUTPUT ${obj}
      COMMAND ${SKIFF_TC_CC} ${cflags} -MD -MF ${obj}.dep -c ${src} -o ${obj}
      DEPENDS ${src} skiff_toolchain
      DEPFILE ${obj}.dep
      COMMENT "Building ${image}: ${base}.c" VERBATIM)
    list(APPEND objs ${obj})
  endforeach()

  set(out ${CMAKE_BINARY_DIR}/guest/${image})
  add_custom_command(OUTPUT ${out}
    COMMAND ${SKIFF_TC_CC} -z solo5-abi=${abi} ${objs} -Wl,--orphan-handling=error -o ${out}
    DEPENDS ${objs} ${SKIFF_TC_LIB}/solo5_${abi}.o ${SKIFF_TC_LIB}/solo5_${abi}.lds skiff_toolchain
    COMMENT "Linking guest image ${image}" VERBATIM)
  add_custom_target(${image} ALL DEPENDS ${out})
  # Every image and manifest the build makes: tests/fuzz seeds its fuzzers with them.
  set_property(GLOBAL APPEND PROPERTY SKIFF_GUEST_IMAGES ${out})
  set_property(GLOBAL APPEND PROPERTY SKIFF_GUEST_MANIFESTS ${json})
endfunction()
