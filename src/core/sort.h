/*
 * Sorting in place, with no allocation. glibc's qsort sorts an array of
 * more than a few hundred bytes by merging through a malloc'd copy of its
 * size: the kube-lb0 sync sorts 10,000 addresses (280 kB) while the
 * wanted ones, the node's and the speaker's routes are all held, and that
 * copy was part of the speaker's peak. Heapsort: O(n log n) in the worst
 * case, not stable (equal elements may come in any order). Pure.
 */
#ifndef BERTH_CORE_SORT_H
#define BERTH_CORE_SORT_H

#include <stddef.h>

/* As qsort: n elements of size bytes at base, cmp's order, ascending. */
void core_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
