/*
 * Capture probe used to record *_rx.bin (not built by CMake; see README):
 * accepts one BGP session on 0.0.0.0:PORT, speaks with the berth codec,
 * writes every received message to DIR/rx_NNN.bin, announces two IPv4 and
 * two IPv6 routes, holds the session SECS seconds, withdraws one route per
 * family and sends Cease/Administrative Shutdown.
 *
 *   gcc -std=c11 -D_GNU_SOURCE -Isrc tests/data/bgp/capture_probe.c \
 *       src/bgp/{addr,nlri,msg,caps,attr,update,encode}.c -o probe
 *   ./probe PORT DIR SECS MY_AS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "bgp/bgp.h"

static int fd;
static const char *dir;
static int nrx;
static void sendall(const uint8_t *b, ssize_t n)
{
	if (n < 0) {
		fprintf(stderr, "encode %zd\n", n);
		exit(1);
	}
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w <= 0) {
			perror("write");
			exit(1);
		}
		b += w;
		n -= w;
	}
}
static struct bgp_session_params sp;
static uint8_t rbuf[200000];
static size_t rlen;
static void pump(int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	while (poll(&p, 1, ms) > 0) {
		ssize_t r = read(fd, rbuf + rlen, sizeof(rbuf) - rlen);
		if (r <= 0) {
			fprintf(stderr, "peer closed\n");
			exit(2);
		}
		rlen += r;
		for (;;) {
			size_t ml;
			struct bgp_error err;
			int rc = bgp_header_check(rbuf, rlen, sp.ext_msg ? 65535 : 4096, &ml, &err);
			if (rc == -EAGAIN || (rc == 0 && ml > rlen))
				break;
			if (rc < 0) {
				fprintf(stderr, "hdr err %s\n", err.reason);
				exit(3);
			}
			char path[512];
			snprintf(path, sizeof path, "%s/rx_%03d.bin", dir, nrx++);
			FILE *f = fopen(path, "wb");
			if (!f) {
				perror(path);
				exit(1);
			}
			fwrite(rbuf, 1, ml, f);
			fclose(f);
			struct bgp_msg m;
			rc = bgp_msg_decode(rbuf, ml, &sp, &m, &err);
			fprintf(stderr, "rx type %d len %zu rc %d action %d %s", m.type, ml, rc,
			        err.action, err.reason ? err.reason : "");
			if (rc == 0 && m.type == BGP_MSG_UPDATE)
				fprintf(stderr, " ann %u/%u wd %u/%u eor %d/%d",
				        m.u.update.n_announce[0], m.u.update.n_announce[1],
				        m.u.update.n_withdraw[0], m.u.update.n_withdraw[1],
				        m.u.update.end_of_rib, m.u.update.end_of_rib_af);
			if (rc == 0 && m.type == BGP_MSG_OPEN) {
				struct bgp_caps *c = &m.u.open.caps;
				fprintf(stderr,
				        " as %u as4 %d/%u mp %d%d rr %d ext %d gr %d t%u af%d%d ap "
				        "%d%d",
				        m.u.open.my_as, c->as4, c->as4_asn, c->mp[0], c->mp[1],
				        c->route_refresh, c->ext_msg, c->gr, c->gr_time,
				        c->gr_af[0].present, c->gr_af[1].present, c->addpath[0],
				        c->addpath[1]);
				sp.as4 = c->as4;
				sp.ext_msg = c->ext_msg;
				sp.addpath_rx[0] = c->addpath[0] & BGP_ADDPATH_SEND;
				sp.addpath_tx[0] = c->addpath[0] & BGP_ADDPATH_RECEIVE;
				sp.addpath_rx[1] = c->addpath[1] & BGP_ADDPATH_SEND;
				sp.addpath_tx[1] = c->addpath[1] & BGP_ADDPATH_RECEIVE;
			}
			if (rc == 0 && m.type == BGP_MSG_NOTIFICATION)
				fprintf(
				    stderr, " %s",
				    bgp_err_name(m.u.notification.code, m.u.notification.subcode));
			fprintf(stderr, "\n");
			memmove(rbuf, rbuf + ml, rlen - ml);
			rlen -= ml;
		}
	}
}
int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: probe PORT DIR SECS MY_AS\n");
		return 1;
	}
	int port = atoi(argv[1]);
	dir = argv[2];
	int secs = atoi(argv[3]);
	uint32_t asn = strtoul(argv[4], 0, 10);
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(ls, (void *)&a, sizeof a) || listen(ls, 1)) {
		perror("bind");
		return 1;
	}
	fd = accept(ls, NULL, NULL);
	static uint8_t b[70000], attrs[512];
	struct bgp_open o;
	memset(&o, 0, sizeof o);
	o.hold_time = 90;
	o.bgp_id = 0xc0000263;
	o.caps.mp[0] = o.caps.mp[1] = true;
	o.caps.route_refresh = true;
	o.caps.as4 = true;
	o.caps.as4_asn = asn;
	o.caps.ext_msg = true;
	o.caps.gr = true;
	o.caps.gr_time = 120;
	o.caps.gr_af[0].present = o.caps.gr_af[1].present = true;
	o.caps.addpath[0] = 3;
	o.caps.addpath[1] = 3;
	sendall(b, bgp_open_encode(b, sizeof b, &o));
	sendall(b, bgp_keepalive_encode(b, sizeof b));
	pump(1500);
	struct bgp_out_attrs oa;
	memset(&oa, 0, sizeof oa);
	uint32_t comm[] = {0xfde90001}, large[] = {asn, 1, 2};
	oa.as_path[0] = asn;
	oa.as_path_len = 1;
	core_addr_parse("192.0.2.1", &oa.next_hop);
	core_addr_parse("2001:db8::1", &oa.next_hop6);
	oa.has_med = true;
	oa.med = 5;
	oa.communities = comm;
	oa.n_communities = 1;
	oa.large_communities = large;
	oa.n_large_communities = 1;
	struct bgp_prefix p4[2], p6[2];
	bgp_prefix_parse("192.0.2.99/32", &p4[0]);
	bgp_prefix_parse("198.18.0.0/15", &p4[1]);
	bgp_prefix_parse("2001:db8:99::1", &p6[0]);
	bgp_prefix_parse("2001:db8:9900::/40", &p6[1]);
	p4[1].path_id = 2;
	p6[1].path_id = 2;
	ssize_t al = bgp_attrs_encode(attrs, sizeof attrs, &oa, BGP_AF_IPV4, &sp);
	struct bgp_update_parts u = {.af = BGP_AF_IPV4,
	                             .announce = p4,
	                             .n_announce = 2,
	                             .attrs = attrs,
	                             .attrs_len = al,
	                             .out = &oa};
	sendall(b, bgp_update_encode(b, sizeof b, &u, &sp));
	al = bgp_attrs_encode(attrs, sizeof attrs, &oa, BGP_AF_IPV6, &sp);
	u = (struct bgp_update_parts){.af = BGP_AF_IPV6,
	                              .announce = p6,
	                              .n_announce = 2,
	                              .attrs = attrs,
	                              .attrs_len = al,
	                              .out = &oa};
	sendall(b, bgp_update_encode(b, sizeof b, &u, &sp));
	sendall(b, bgp_eor_encode(b, sizeof b, BGP_AF_IPV4));
	sendall(b, bgp_eor_encode(b, sizeof b, BGP_AF_IPV6));
	sendall(b, bgp_route_refresh_encode(b, sizeof b, 1, 1));
	time_t end = time(NULL) + secs;
	while (time(NULL) < end) {
		pump(1000);
		sendall(b, bgp_keepalive_encode(b, sizeof b));
	}
	/* withdraw one, then cease */
	u = (struct bgp_update_parts){
	    .af = BGP_AF_IPV6, .withdraw = p6, .n_withdraw = 1, .out = &oa};
	sendall(b, bgp_update_encode(b, sizeof b, &u, &sp));
	u = (struct bgp_update_parts){.af = BGP_AF_IPV4, .withdraw = p4, .n_withdraw = 1};
	sendall(b, bgp_update_encode(b, sizeof b, &u, &sp));
	pump(1500);
	sendall(b, bgp_notification_encode(b, sizeof b, BGP_ERR_CEASE, BGP_ERR_CEASE_ADMIN_SHUTDOWN,
	                                   NULL, 0));
	pump(500);
	close(fd);
	return 0;
}
