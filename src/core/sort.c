/*
 * Heapsort (see sort.h): a max-heap is built over the array, then its
 * top, the largest element left, is swapped to the end of the unsorted
 * part, one element at a time.
 */
#include "core/sort.h"

typedef int (*cmp_fn)(const void *, const void *);

static void swap(unsigned char *a, unsigned char *b, size_t size)
{
	while (size--) {
		unsigned char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/* The element at i goes down the heap v[0..n) until neither child is
 * larger. */
static void sift_down(unsigned char *v, size_t i, size_t n, size_t size, cmp_fn cmp)
{
	for (;;) {
		size_t c = 2 * i + 1, top = i;

		if (c < n && cmp(v + c * size, v + top * size) > 0)
			top = c;
		if (c + 1 < n && cmp(v + (c + 1) * size, v + top * size) > 0)
			top = c + 1;
		if (top == i)
			return;
		swap(v + i * size, v + top * size, size);
		i = top;
	}
}

void core_sort(void *base, size_t n, size_t size, cmp_fn cmp)
{
	unsigned char *v = base;

	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n, size, cmp);
	for (size_t end = n; end > 1; end--) {
		swap(v, v + (end - 1) * size, size);
		sift_down(v, 0, end - 1, size, cmp);
	}
}
