# Compiler flags shared by every target: the warning set (errors) for all code,
# plus host-only settings (sanitizers, _GNU_SOURCE) that the freestanding guest
# must never inherit. Targets opt in by linking skiff_warnings / skiff_host.

add_library(skiff_warnings INTERFACE)
target_compile_options(skiff_warnings INTERFACE
  -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual -Wwrite-strings
  -Wstrict-prototypes -Wmissing-prototypes -Wvla)

add_library(skiff_host INTERFACE)
target_link_libraries(skiff_host INTERFACE skiff_warnings)
target_compile_definitions(skiff_host INTERFACE _GNU_SOURCE)
target_compile_options(skiff_host INTERFACE -fno-strict-aliasing)

if(SKIFF_SANITIZE)
  target_compile_options(skiff_host INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(skiff_host INTERFACE -fsanitize=address,undefined)
endif()
