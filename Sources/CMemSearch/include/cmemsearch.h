#ifndef SIXRAY_CMEMSEARCH_H
#define SIXRAY_CMEMSEARCH_H
#include <stddef.h>

/// The first occurrence of `needle` in `haystack` (glibc's memmem, a GNU extension that the
/// Swift Glibc module does not export), or NULL.
const void *sixray_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

#endif
