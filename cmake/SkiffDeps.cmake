# Locate the libraries skiff builds on. pkg-config where the distribution ships
# a .pc file; libev has none on Debian, so it is found by header and library.
find_package(PkgConfig REQUIRED)

pkg_check_modules(URCU REQUIRED IMPORTED_TARGET liburcu)
pkg_check_modules(URCU_QSBR REQUIRED IMPORTED_TARGET liburcu-qsbr)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)
pkg_check_modules(URING REQUIRED IMPORTED_TARGET liburing)
# solo5-elftool reads manifest.json
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
if(SKIFF_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()

find_package(LibEV REQUIRED)

# The liburcu headers are header-only for what the freestanding code uses
# (barriers, CMM_LOAD_SHARED/CMM_STORE_SHARED, uatomic): record the include
# directory so guest code can use them without linking liburcu.
set(SKIFF_URCU_INCLUDE_DIRS ${URCU_INCLUDE_DIRS})
