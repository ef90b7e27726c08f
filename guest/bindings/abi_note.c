/*
 * The image's Solo5-format ABI note and PT_INTERP, carried by the bindings
 * object of each target so every image linked against it says what it needs.
 * Solo5's target numbers, skiff's own version values (see elf_abi.h).
 */
#include "elf_abi.h"
#include "skiff/abi.h"

#if SKIFF_GUEST_TARGET == SKIFF_TARGET_HVT
#define SOLO5_TARGET HVT_ABI_TARGET
#elif SKIFF_GUEST_TARGET == SKIFF_TARGET_SPT
#define SOLO5_TARGET SPT_ABI_TARGET
#else
#error "SKIFF_GUEST_TARGET must be SKIFF_TARGET_HVT or SKIFF_TARGET_SPT"
#endif

DECLARE_ELF_INTERP

ABI1_NOTE_DECLARE_BEGIN{
    .abi_target = SOLO5_TARGET, .abi_version = SKIFF_SOLO5_ABI_VERSION_BASE | SKIFF_ABI_VERSION
} ABI1_NOTE_DECLARE_END
