/* solo5-elftool's commands (see elftool.c). */
#ifndef SKIFF_ELFTOOL_H
#define SKIFF_ELFTOOL_H

/* manifest.json (path or "-") -> C source (path or "-"); exit status. */
int elftool_gen_manifest(const char *source, const char *output);

#endif /* SKIFF_ELFTOOL_H */
