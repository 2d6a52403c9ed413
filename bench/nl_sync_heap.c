/*
 * Heap of one kube-lb0 sync with many addresses (run by hand, as root; not
 * part of tests/run). One run is one sync, as the speaker does it
 * (speaker_lbif_want, the wanted set freed, speaker_lbif_sync), to N
 * addresses of 198.18.0.0/15 (RFC 2544 benchmarking range) on kube-lb0 in
 * the CURRENT network namespace: run it in a throwaway one.
 *
 *   (built as build/bench_nl_sync_heap)
 *   unshare -n sh -c 'heaptrack build/bench_nl_sync_heap 10000'   # 10,000 adds
 *   unshare -n sh -c 'build/bench_nl_sync_heap 10000 &&
 *                     heaptrack build/bench_nl_sync_heap 10000'   # all kept
 *   unshare -n sh -c 'build/bench_nl_sync_heap 10000 &&
 *                     heaptrack build/bench_nl_sync_heap 0'       # 10,000 dels
 *
 * heaptrack_print's "peak heap memory consumption" minus what is held
 * before the sync (heaptrack_print --print-peaks: the wanted prefix_set,
 * 393 KB + 131 KB at 10,000; the socket's 32 KB receive buffer; libstdc++'s
 * 73 KB pool that heaptrack itself loads) is the transient heap of the
 * sync. "baseline" here is mallinfo2 before the sync, for runs without
 * heaptrack.
 *
 * Seen here, 10,000 IPv4 /32, transient heap of the sync:
 *                          fill     keep     empty
 *   array planner         840 KB  1240 KB   854 KB  (dump vector, copies, sort)
 *   streaming planner      10 KB    10 KB   524 KB  (state bytes; the dels)
 *     with dels in rounds  10 KB    10 KB    25 KB  (at most 1,024 dels held)
 *   sorted merge          845 KB  1165 KB  1045 KB  (wanted array, dump vector,
 *                                                    the plan's lists)
 *     sorted in place     651 KB   651 KB   666 KB  (core_sort: no qsort copy;
 *                                                    the dump grown by halves)
 *     wanted set freed    321 KB   321 KB   666 KB  (before the dump: what the
 *                                                    speaker does with hosts)
 * The last is what runs now: the sorted merge (issue 11: one dump, sort,
 * one merge; a megabyte at 10,000 addresses is worth the simpler code),
 * since sorting in place, with the speaker's wanted set freed first.
 * Figures from the same runs as the peak heap (heaptrack) of the whole
 * program: 1.48, 1.79 and 1.15 MB for the sorted merge, 0.95, 0.95 and
 * 0.77 MB now. Wall time of the 10,000 dels: 505-524 ms against
 * 533-549 ms for the rounds (one dump instead of ten); the 10,000 adds
 * take 1.3 s either way (the kernel).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp/prefix_set.h"
#include "core/log.h"
#include "speaker/lbif.h"

int main(int argc, char **argv)
{
	struct prefix_set want;
	struct speaker_lbif *l = NULL;
	struct speaker_conflict *conf = NULL;
	struct nl_addr *addrs = NULL;
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000, n_conf = 0, n_addrs = 0;
	struct mallinfo2 mi;
	int rc = 1;

	prefix_set_init(&want);
	for (size_t i = 0; i < n && i < 131072; i++) {
		struct bgp_prefix p = {.family = AF_INET, .len = 32};

		p.addr[0] = 198;
		p.addr[1] = (uint8_t)(18 + (i >> 16));
		p.addr[2] = (uint8_t)(i >> 8);
		p.addr[3] = (uint8_t)i;
		if (prefix_set_add(&want, &p) < 0)
			goto out;
	}
	if (speaker_lbif_open("kube-lb0", &l) < 0)
		goto out;
	/* hblkhd: blocks over the mmap threshold (128 KiB) are not in uordblks. */
	mi = mallinfo2();
	fprintf(stderr, "baseline: %zu addresses wanted, heap in use %zu bytes\n", want.n,
	        mi.uordblks + mi.hblkhd);
	/* As the speaker does it: the wanted set goes once the sync has its
	 * copy. */
	rc = speaker_lbif_want(l, (const struct prefix_set *[]){&want}, 1, &addrs, &n_addrs);
	prefix_set_fini(&want);
	if (rc == 0)
		rc = speaker_lbif_sync(l, addrs, n_addrs, &conf, &n_conf);
	free(addrs);
	mi = mallinfo2();
	fprintf(stderr, "sync: rc %d, %zu conflicts, heap in use after %zu bytes\n", rc, n_conf,
	        mi.uordblks + mi.hblkhd);
	rc = rc < 0;
	free(conf);
out:
	speaker_lbif_free(l);
	prefix_set_fini(&want);
	return rc;
}
