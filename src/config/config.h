/*
 * berth configuration: Kubernetes objects decoded into plain C structs.
 *
 * One decoder serves manifest files (YAML, via cfg_yaml_parse) and the
 * API server (JSON): both give a jansson object, and cfg_<kind>_decode
 * turns it into a struct.
 *
 * OpenELB's CRDs (group network.kubesphere.io, version v1alpha2: Eip,
 * BgpConf, BgpPeer) are decoded strictly: field names and types mirror
 * openelb/openelb api/v1alpha2/{eip,bgpconf,bgppeer}_types.go, and an
 * unknown or invalid field is an error naming the file and line (when
 * known), the object and the JSON path:
 *   peers.yaml:12: BgpPeer tor1: spec.conf.peerAs: must be 1..4294967295
 * Core v1 objects (Service, Node) are decoded leniently: only the fields
 * berth uses are read; unknown fields are ignored, but a field berth reads
 * must still be valid.
 *
 * In every object a JSON null means "absent", as in Kubernetes.
 *
 * Pure: no sockets, clocks, globals or logging. Only cfg_manifest_load*
 * (set.c) read files.
 *
 * Ownership: every char * and array in these structs is owned by the
 * struct and freed by its _fini; _fini leaves the struct zeroed. Decoders
 * zero *out first and leave it zeroed on failure.
 */
#ifndef BERTH_CONFIG_H
#define BERTH_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp.h" /* enum bgp_af, BGP_AFI_*: a BgpPeer's and a Service's families */
#include "config/yaml.h"
#include "core/addr.h"
#include "core/idx.h"

#define CFG_OPENELB_API_VERSION "network.kubesphere.io/v1alpha2"

/*
 * MetalLB's API (config/metallb.c): group metallb.io, read only from one
 * namespace (MetalLB's own; a cfg_set names it, CFG_METALLB_NS unless
 * told otherwise), as MetalLB does.
 */
#define CFG_METALLB_V1BETA1 "metallb.io/v1beta1"
#define CFG_METALLB_V1BETA2 "metallb.io/v1beta2"
#define CFG_METALLB_NS      "metallb-system"

/* Which API an object that both APIs have (an address pool, a BGP peer)
 * came from: what its messages and Events name. */
enum cfg_api { CFG_API_OPENELB = 0, CFG_API_METALLB };

/* Labels and annotations OpenELB gives a meaning to (pkg/constant). */
#define CFG_LABEL_RACK      "openelb.kubesphere.io/rack" /* Node label for asPerRack */
#define CFG_ANN_DEFAULT_EIP "eip.openelb.kubesphere.io/is-default-eip"
#define CFG_ANN_LB          "lb.kubesphere.io/v1alpha1" /* "openelb" on Services */
#define CFG_ANN_PROTOCOL    "protocol.openelb.kubesphere.io/v1alpha1"
#define CFG_ANN_EIP         "eip.openelb.kubesphere.io/v1alpha2"

/* Linux TCP_MD5SIG_MAXKEYLEN (include/uapi/linux/tcp.h): the longest RFC 2385 key. */
#define CFG_MD5_KEY_MAX 80

/* Timer defaults when a BgpPeer sets none: RFC 4271 section 10 suggested
 * values, which GoBGP (OpenELB's BGP speaker) also uses. */
#define CFG_DEFAULT_HOLD_TIME     90
#define CFG_DEFAULT_CONNECT_RETRY 120
#define CFG_DEFAULT_BGP_PORT      179
/* GoBGP's TTL for ebgpMultihop.enabled without multihopTtl. */
#define CFG_DEFAULT_MULTIHOP_TTL 255

/* ---- Errors ---- */

#define CFG_ERR_PATH_MAX 160
#define CFG_ERR_MSG_MAX  640

struct cfg_error {
	/* In, set by the caller (cfg_error_init); both optional and borrowed. */
	const char *file;              /* shown as "file:line: " */
	const struct cfg_lines *lines; /* from cfg_yaml_parse; NULL for JSON */
	/* Out, filled on failure. */
	unsigned line;               /* 0 when unknown */
	char path[CFG_ERR_PATH_MAX]; /* JSON path of the field, "" if none */
	char msg[CFG_ERR_MSG_MAX];   /* the whole message, no newline */
};

/* file and lines: borrowed, may be NULL. */
void cfg_error_init(struct cfg_error *err, const char *file, const struct cfg_lines *lines);

/* ---- Shared pieces ---- */

struct cfg_kv {
	char *key;   /* owned */
	char *value; /* owned */
};

/* A map[string]string, in document order. */
struct cfg_map {
	struct cfg_kv *items; /* owned array */
	size_t n;
};

/* Frees every entry and the array; m is left empty. */
void cfg_map_fini(struct cfg_map *m);
/* Value for key, or NULL. The result is borrowed from m. m may be NULL. */
const char *cfg_map_get(const struct cfg_map *m, const char *key);

/* k8s.io/apimachinery ObjectMeta: the fields berth reads. name, ns and
 * uid, an object's identity, are one allocation (cfg_meta_set_id), owned
 * through name: a speaker keeps them for each of thousands of Services,
 * and one block of 64 bytes costs less than three of 32, 32 and 48. */
struct cfg_meta {
	char *name;                 /* metadata.name, required; owns ns and uid too */
	char *ns;                   /* metadata.namespace; "default" for namespaced kinds
	                               when absent, NULL for cluster-scoped ones */
	struct cfg_map labels;      /* metadata.labels */
	struct cfg_map annotations; /* metadata.annotations */
	char *uid;                  /* metadata.uid, NULL if absent */
	char *resource_version;     /* metadata.resourceVersion, NULL if absent */
	char *source;               /* "file:line" the object came from, NULL from JSON */
};

/* m's name, ns and uid become copies of these (ns and uid may be NULL),
 * in one block; the old ones are freed. 0, -EINVAL (no name) or -ENOMEM
 * (m unchanged). */
int cfg_meta_set_id(struct cfg_meta *m, const char *name, const char *ns, const char *uid);
const char *cfg_meta_annotation(const struct cfg_meta *m, const char *key);
const char *cfg_meta_label(const struct cfg_meta *m, const char *key);

/* metav1.LabelSelectorRequirement operators */
enum cfg_sel_op { CFG_SEL_IN = 0, CFG_SEL_NOT_IN, CFG_SEL_EXISTS, CFG_SEL_DOES_NOT_EXIST };

struct cfg_sel_req {
	char *key; /* owned */
	enum cfg_sel_op op;
	char **values; /* owned array of owned strings */
	size_t n_values;
};

/* metav1.LabelSelector (k8s.io/apimachinery/pkg/apis/meta/v1/types.go). */
struct cfg_selector {
	bool present;                /* false: the field was absent or null */
	struct cfg_map match_labels; /* matchLabels */
	struct cfg_sel_req *exprs;   /* matchExpressions, owned array */
	size_t n_exprs;
};

/*
 * Kubernetes label selector semantics: matchLabels and every expression
 * must hold (AND); In needs the label with one of the values, NotIn holds
 * when the label is absent or has none of them, Exists / DoesNotExist test
 * the key only. An absent selector (present == false) matches every node:
 * that is what OpenELB does for a BgpPeer without nodeSelector. labels may
 * be NULL (no labels).
 */
bool cfg_selector_matches(const struct cfg_selector *sel, const struct cfg_map *labels);

/*
 * A list of selectors, any of which may match (MetalLB's nodeSelectors,
 * ipAddressPoolSelectors...; OpenELB's one nodeSelector is a list of one):
 * an empty list matches everything, as MetalLB reads "no selector".
 * v may be NULL when n is 0; labels may be NULL.
 */
bool cfg_selectors_match(const struct cfg_selector *v, size_t n, const struct cfg_map *labels);
/* Frees each selector and the array. */
void cfg_selectors_free(struct cfg_selector *v, size_t n);
/* Same selectors, in the same order (matchLabels as a set). */
bool cfg_selectors_equal(const struct cfg_selector *a, size_t na, const struct cfg_selector *b,
                         size_t nb);
/* A deep copy into a new array (NULL for none). 0 or -ENOMEM (*out NULL). */
int cfg_selectors_copy(const struct cfg_selector *src, size_t n, struct cfg_selector **out);

/*
 * Community text (config/community.c), as Eip spec.bgp writes it. Strict:
 * ASCII decimal digits, no sign, space or leading zero ("0" alone is
 * fine), nothing past the field's range; s[0..len) may hold NUL bytes,
 * which are refused. Return 0 with the value, or -EINVAL with *why, a
 * static string that names the element that is wrong and reads after the
 * quoted text: "1:65536" has a value (after ':') above 65535.
 *
 * RFC 1997: "AS:VALUE", each 0..65535, or a well-known name: no-export,
 * no-advertise, no-export-subconfed (RFC 1997), no-peer (RFC 3765),
 * blackhole (RFC 7999), graceful-shutdown (RFC 8326), llgr-stale,
 * no-llgr (RFC 9494); the spellings of FRR and GoBGP.
 */
int cfg_community_parse(const char *s, size_t len, uint32_t *out, const char **why);
/* RFC 8092: "GLOBAL:LOCAL1:LOCAL2", each 0..4294967295, into out[0..2]. */
int cfg_large_community_parse(const char *s, size_t len, uint32_t out[3], const char **why);
/* The well-known name cfg_community_parse reads as v, or NULL. */
const char *cfg_community_name(uint32_t v);

/* OpenELB GracefulRestart (api/v1alpha2/bgpconf_types.go), also used by
 * BgpPeer.spec.gracefulRestart. Times in seconds. */
struct cfg_graceful_restart {
	bool present;
	bool enabled;               /* enabled */
	uint32_t restart_time;      /* restartTime, 0..4095 (RFC 4724 section 3: 12 bits) */
	bool helper_only;           /* helperOnly */
	uint32_t deferral_time;     /* deferralTime, 0..65535 (GoBGP keeps it in 16 bits) */
	bool notification_enabled;  /* notificationEnabled (RFC 8538) */
	bool longlived_enabled;     /* longlivedEnabled */
	uint32_t stale_routes_time; /* staleRoutesTime */
	uint32_t peer_restart_time; /* peerRestartTime */
	bool peer_restarting;       /* peerRestarting */
	bool local_restarting;      /* localRestarting */
	char *mode;                 /* mode, NULL if absent */
};

/* ---- BgpConf (api/v1alpha2/bgpconf_types.go, BgpConfSpec) ---- */

/* BgpConfSpec.Families []uint32 holds GoBGP route families, AFI << 16 | SAFI. */
#define CFG_FAMILY_IPV4_UNICAST ((uint32_t)BGP_AFI_IPV4 << 16 | BGP_SAFI_UNICAST)
#define CFG_FAMILY_IPV6_UNICAST ((uint32_t)BGP_AFI_IPV6 << 16 | BGP_SAFI_UNICAST)

struct cfg_as_rack {
	char *rack; /* value of the node label CFG_LABEL_RACK */
	uint32_t as;
};

struct cfg_bgp_conf {
	struct cfg_meta meta;
	uint32_t as;                     /* as: required, 1..2^32-1 */
	struct cfg_as_rack *as_per_rack; /* asPerRack: map[string]uint32, owned */
	size_t n_as_per_rack;
	bool has_router_id;
	uint32_t router_id;                 /* routerId: IPv4, host byte order */
	int32_t listen_port;                /* listenPort: 1..65535, CFG_DEFAULT_BGP_PORT when
	                                       absent, -1 = do not listen (GoBGP) */
	struct core_addr *listen_addresses; /* listenAddresses, owned */
	size_t n_listen_addresses;
	uint32_t *families; /* families: CFG_FAMILY_*, owned */
	size_t n_families;
	bool use_multiple_paths;                      /* useMultiplePaths */
	struct cfg_graceful_restart graceful_restart; /* gracefulRestart */
	char *policy;                                 /* policy, NULL if absent */
	/* spec.linkBandwidthPerEndpoint, berth extension (issue 14): bytes per
	 * second that each ready endpoint of a Local Service adds to the link
	 * bandwidth community of its node's route; an integer,
	 * 1..BGP_LINK_BW_MAX, CFG_DEFAULT_LINK_BW_PER_ENDPOINT when absent. */
	uint64_t link_bw_per_endpoint;
	/* status (BgpConfStatus) is written by OpenELB: type-checked, not kept. */
	/* CFG_API_METALLB: none was given, cfg_set_resolve made this one for
	 * MetalLB's BGPPeers (meta.name "default", AS and router ID theirs). */
	enum cfg_api api;
};

/* 1 Mbit/s in bytes per second: the weight of one endpoint by default. */
#define CFG_DEFAULT_LINK_BW_PER_ENDPOINT 125000

int cfg_bgp_conf_decode(const json_t *obj, struct cfg_bgp_conf *out, struct cfg_error *err);
void cfg_bgp_conf_fini(struct cfg_bgp_conf *c);

/* The AS for a node: asPerRack[node's rack label] when listed, else
 * spec.as (OpenELB's bgpconf controller does the same). node_labels may
 * be NULL. */
uint32_t cfg_bgp_conf_node_as(const struct cfg_bgp_conf *c, const struct cfg_map *node_labels);

/*
 * The router ID for a node: spec.routerId, except on a node with a rack
 * label while asPerRack is set, where OpenELB drops routerId so that each
 * rack's speakers pick their own. Returns false when the speaker must use
 * the node's IP instead (OpenELB takes the node's first address).
 */
bool cfg_bgp_conf_node_router_id(const struct cfg_bgp_conf *c, const struct cfg_map *node_labels,
                                 uint32_t *id);

/* True when nothing in a and b that every session depends on differs (AS,
 * router ID, listening, families, graceful restart, policy).
 * linkBandwidthPerEndpoint is left out: it changes route attributes,
 * which go out in UPDATEs, never a session reset. */
bool cfg_bgp_conf_session_equal(const struct cfg_bgp_conf *a, const struct cfg_bgp_conf *b);

/* Fills c with what a BgpConf without a spec reads as (the defaults
 * cfg_bgp_conf_decode applies): for the one cfg_set_resolve makes when
 * MetalLB's BGPPeers come without a BgpConf. Returns 0 or -ENOMEM. */
int cfg_bgp_conf_init_default(struct cfg_bgp_conf *c, uint32_t as);

bool cfg_graceful_restart_equal(const struct cfg_graceful_restart *a,
                                const struct cfg_graceful_restart *b);

/* ---- BgpPeer (api/v1alpha2/bgppeer_types.go, BgpPeerSpec) ---- */

/*
 * A key of a Secret in the speaker's own namespace (berth extension, as
 * MetalLB's passwordSecret, which must be in MetalLB's namespace): the
 * speaker may read only its namespace's Secrets. name is a DNS-1123
 * subdomain (a Secret's name), key a Secret data key ([-._a-zA-Z0-9]+,
 * not "." and not starting with ".."), each at most 253 bytes.
 */
struct cfg_secret_ref {
	char *name; /* NULL: no reference */
	char *key;
};

/* PeerConf */
struct cfg_peer_conf {
	char *auth_password; /* authPassword, at most CFG_MD5_KEY_MAX bytes */
	/* authPasswordSecretRef {name, key}, berth extension: the TCP-MD5 key
	 * is that Secret's value (resolved by the speaker, which checks it
	 * against CFG_MD5_KEY_MAX). Both required; refused next to a
	 * non-empty authPassword, as MetalLB refuses password next to
	 * passwordSecret: which one wins would be a guess. */
	struct cfg_secret_ref auth_password_secret_ref;
	char *description;                 /* description */
	uint32_t local_as;                 /* localAs, 0 = BgpConf's */
	struct core_addr neighbor_address; /* neighborAddress, required */
	uint32_t peer_as;                  /* peerAs, required, 1..2^32-1 */
	char *peer_group;                  /* peerGroup */
	uint32_t peer_type;                /* peerType: GoBGP PeerType, 0 INTERNAL, 1 EXTERNAL */
	char *remove_private_as;           /* removePrivateAs: NONE, ALL or REPLACE (GoBGP enum) */
	bool route_flap_damping;           /* routeFlapDamping */
	uint32_t send_community;           /* sendCommunity */
	char *neighbor_interface;          /* neighborInterface */
	char *vrf;                         /* vrf */
	uint32_t allow_own_as;             /* allowOwnAs, 0..255 */
	bool replace_peer_as;              /* replacePeerAs */
	bool admin_down;                   /* adminDown */
};

/* EbgpMultihop */
struct cfg_ebgp_multihop {
	bool enabled;          /* enabled */
	uint32_t multihop_ttl; /* multihopTtl, 1..255; CFG_DEFAULT_MULTIHOP_TTL when
	                          enabled without one, 0 when neither is set */
};

/*
 * Timers.Config (TimersConfig). OpenELB declares these as strings holding
 * decimal seconds ("90"), which GoBGP reads as uint64; berth accepts the
 * string or a plain integer. Defaults applied: see CFG_DEFAULT_*.
 */
struct cfg_timers {
	uint32_t connect_retry;      /* connectRetry, 1..65535 */
	uint32_t hold_time;          /* holdTime, 0 or 3..65535 (RFC 4271 section 4.2) */
	uint32_t keepalive_interval; /* keepaliveInterval, < holdTime; holdTime / 3 if absent */
	uint32_t min_adv_interval;   /* minimumAdvertisementInterval, 0 = speaker default */
	/* idleHoldTimeAfterReset, 1..65535: berth extension (GoBGP's
	 * TimersConfig name): how long the session stays Idle after berth
	 * ended it for too many prefixes, doubling on repeats; 0 = absent,
	 * the speaker's default (60 s). */
	uint32_t idle_hold_after_reset;
};

/* Transport */
struct cfg_transport {
	bool mtu_discovery; /* mtuDiscovery */
	bool passive_mode;  /* passiveMode */
	bool has_remote_address;
	struct core_addr remote_address; /* remoteAddress */
	bool has_local_address;
	struct core_addr local_address; /* localAddress: berth extension, the source
	                                  address of outgoing sessions (GoBGP's name) */
	uint32_t remote_port;           /* remotePort, 1..65535, CFG_DEFAULT_BGP_PORT if absent */
	uint32_t tcp_mss;               /* tcpMss, 0..65535, 0 = kernel default */
};

/* AfiSafi: one entry of afiSafis. */
struct cfg_afi_safi {
	enum bgp_af af;              /* config.family: afi AFI_IP|AFI_IP6, safi SAFI_UNICAST */
	bool enabled;                /* config.enabled */
	bool mp_graceful_restart;    /* mpGracefulRestart.config.enabled */
	bool add_paths_receive;      /* addPaths.config.receive */
	uint32_t add_paths_send_max; /* addPaths.config.sendMax */
	/* prefixLimits.maxPrefixes: berth extension (GoBGP's AfiSafi.PrefixLimits):
	 * routes of this family the peer may send; 0 = absent, --max-received */
	uint32_t max_prefixes;
};

/*
 * spec.bfd: berth extension (OpenELB has no BFD; names as MetalLB's
 * BFDProfile). RFC 5880 asynchronous mode, RFC 5881 single hop, RFC 5883
 * multihop when the peer is eBGP multihop.
 */
struct cfg_bfd {
	bool present;               /* spec.bfd given */
	bool enabled;               /* enabled */
	uint32_t receive_interval;  /* receiveInterval, ms, 10..60000, default 300 */
	uint32_t transmit_interval; /* transmitInterval, ms, 10..60000, default 300 */
	uint32_t detect_multiplier; /* detectMultiplier, 2..255, default 3 */
	bool strict;                /* strict: BGP waits for BFD Up */
};

#define CFG_DEFAULT_BFD_INTERVAL 300
#define CFG_DEFAULT_BFD_MULT     3
/* The CRD's ranges (deploy/crds/bgppeers.yaml), the same as bfd/session.h
 * BFD_INTERVAL_MIN_US..MAX_US and BFD_MULT_MIN..MAX. */
#define CFG_BFD_INTERVAL_MIN 10
#define CFG_BFD_INTERVAL_MAX 60000
#define CFG_BFD_MULT_MIN     2
#define CFG_BFD_MULT_MAX     255

struct cfg_bgp_peer {
	struct cfg_meta meta;
	struct cfg_peer_conf conf;                    /* spec.conf, required */
	struct cfg_ebgp_multihop ebgp_multihop;       /* spec.ebgpMultihop */
	struct cfg_timers timers;                     /* spec.timers.config */
	struct cfg_transport transport;               /* spec.transport */
	struct cfg_graceful_restart graceful_restart; /* spec.gracefulRestart */
	struct cfg_afi_safi *afi_safis;               /* spec.afiSafis, owned, one per family */
	size_t n_afi_safis; /* 0: none listed; GoBGP then uses the neighbor address's family */
	/* Nodes that peer: any selector may match, none listed: every node.
	 * BgpPeer spec.nodeSelector is a list of one; BGPPeer nodeSelectors. */
	struct cfg_selector *node_selectors; /* owned */
	size_t n_node_selectors;
	struct cfg_bfd bfd; /* spec.bfd (berth); a BGPPeer's bfdProfile, once resolved */
	/* spec.linkBandwidth.nonTransitive, berth extension: send the link
	 * bandwidth community as the draft's non-transitive type 0x40 rather
	 * than the transitive 0x00 that FRR sends by default and BIRD keeps
	 * on eBGP (it drops 0x40 there). false when absent. */
	bool link_bw_non_transitive;
	/* status (BgpPeerStatus) is written by OpenELB: type-checked, not kept. */

	/* MetalLB's BGPPeer (config/metallb_peer.c) lowered onto the fields
	 * above; these hold what needs other objects or the node. */
	enum cfg_api api;
	char *bfd_profile; /* spec.bfdProfile, NULL if none: cfg_set_resolve fills bfd */
	bool has_router_id;
	uint32_t router_id; /* spec.routerID (IPv4, host order): BgpConf's, once resolved */
	uint32_t my_asn;    /* spec.myASN: the AS of a BgpConf cfg_set_resolve makes */
	/* What berth does not honour, one message per object (cfg_set_notes):
	 * note from the object alone, xnote from cfg_set_resolve. Owned. */
	char *note, *xnote;
};

int cfg_bgp_peer_decode(const json_t *obj, struct cfg_bgp_peer *out, struct cfg_error *err);
void cfg_bgp_peer_fini(struct cfg_bgp_peer *p);

/*
 * True when a and b would run the same BGP session: same neighbor, ASes,
 * password, peer type, admin state, multihop, timers carried in OPEN,
 * transport, graceful restart and address families (all of which are
 * either OPEN contents, RFC 5492 capabilities, or socket options). A
 * difference in anything else (metadata, description, nodeSelector,
 * connectRetry, minimumAdvertisementInterval, route policy fields, bfd)
 * needs no session reset: apply it without tearing the session down. BFD
 * in particular never resets BGP: new timers go to the running BFD
 * session as a Poll Sequence (RFC 5880 section 6.5), strict applies in
 * place (bgp_peer_reconfigure). The password counts twice: authPassword,
 * and the Secret and key authPasswordSecretRef names, since another key is
 * another password and RFC 2385 keys a connection, so a new one takes a
 * new connection. A change of the Secret's content is no change of the
 * BgpPeer: the speaker compares the keys it resolved (bgp_peer_reconfigure
 * restarts on a new md5_key). linkBandwidth changes routes, not the
 * session (cfg_bgp_peer_routes_equal).
 */
bool cfg_bgp_peer_session_equal(const struct cfg_bgp_peer *a, const struct cfg_bgp_peer *b);

/*
 * True when a and b give their routes the same attributes:
 * linkBandwidth.nonTransitive, today. A difference re-announces the
 * routes to that peer; it never resets the session.
 */
bool cfg_bgp_peer_routes_equal(const struct cfg_bgp_peer *a, const struct cfg_bgp_peer *b);

/* ---- Address pools: Eip (api/v1alpha2/eip_types.go) and MetalLB's IPAddressPool ---- */

/*
 * One model for both APIs' pools (struct cfg_eip): the controller
 * allocates from it, the speaker announces from it, whichever API it
 * came from. An Eip is a pool of one address range announced at most one
 * way (spec.protocol); a MetalLB IPAddressPool has several ranges, and
 * the BGPAdvertisements and L2Advertisements that select it, all of
 * which apply (cfg_set_resolve attaches them). A pool with neither is
 * allocated from but not announced (an Eip of protocol vip; a pool no
 * advertisement selects).
 */

enum cfg_eip_protocol { CFG_EIP_BGP = 0, CFG_EIP_LAYER2, CFG_EIP_VIP };

/* EipStatus: written by OpenELB's controller, decoded for reporting. */
struct cfg_eip_status {
	bool occupied;       /* occupied */
	int64_t usage;       /* usage */
	int64_t pool_size;   /* poolSize */
	struct cfg_map used; /* used: address -> "namespace/service" */
	char *first_ip;      /* firstIP */
	char *last_ip;       /* lastIP */
	bool ready;          /* ready */
	bool v4;             /* v4 */
};

/* One address range of a pool: an Eip's spec.address, one of an
 * IPAddressPool's spec.addresses. */
struct cfg_range {
	char *text;             /* as written, owned */
	struct core_addr first; /* first address */
	struct core_addr last;  /* last address, inclusive; same family */
};

/*
 * How a pool's addresses are announced over BGP: an Eip's spec.bgp
 * (berth extension, issue 14, named as MetalLB's BGPAdvertisement), or a
 * MetalLB BGPAdvertisement that selects the pool. Checked alone by the
 * decoders; the peer names against the set (cfg_set_validate). Without
 * spec.bgp an Eip of protocol bgp has one with the defaults below
 * (aggregation lengths 32 and 128, link bandwidth on), so a reader needs
 * no test of present. The speaker applies them in speaker/announce.c
 * (routes and route attributes) and bgp/rib_out_map.c (per session);
 * docs/bgp-attributes.md has the decisions.
 */
struct cfg_eip_bgp {
	bool present; /* spec.bgp given (an Eip's); true for a BGPAdvertisement */
	char *name;   /* the BGPAdvertisement's name, owned; NULL for an Eip's */
	/* communities: RFC 1997 values, sorted ascending, no duplicates;
	 * at most CFG_EIP_MAX_COMMUNITIES */
	uint32_t *communities; /* owned */
	size_t n_communities;
	/* largeCommunities: RFC 8092 triples, 3 values per community, sorted,
	 * no duplicates; at most CFG_EIP_MAX_LARGE_COMMUNITIES */
	uint32_t *large_communities; /* owned */
	size_t n_large_communities;
	bool has_local_pref;
	uint32_t local_pref; /* localPref, 0..4294967295, iBGP only (RFC 4271 5.1.5) */
	/*
	 * aggregationLength (IPv4 ranges) / aggregationLengthV6 (IPv6 ranges):
	 * the prefix length of the route a Cluster Service's address is
	 * announced in; 32 / 128 (host routes) when absent. The one of a
	 * range's family must keep every aggregate inside the range: at least
	 * cfg_eip_min_aggregation(), which is the range's prefix length for a
	 * CIDR (192.0.2.0/24: 24..32) and, for a first-last range, the length
	 * of the smallest block of its CIDR cover (192.0.2.0-192.0.2.127: 25;
	 * 192.0.2.1-192.0.2.4: 32); MetalLB's rule too. The other family's is
	 * only range-checked.
	 */
	uint8_t aggregation_length;    /* 0..32 */
	uint8_t aggregation_length_v6; /* 0..128 */
	char **peers; /* peers: BgpPeer (BGPPeer) names, owned, no duplicates; none: every peer */
	size_t n_peers;
	/* The nodes that announce: any selector may match; none: every
	 * eligible node. An Eip's nodeSelector (map[string]string, as the
	 * issue writes it: {rack: r1}) is one selector with matchLabels only. */
	struct cfg_selector *node_selectors; /* owned */
	size_t n_node_selectors;
	bool link_bandwidth; /* linkBandwidth, true when absent (and for MetalLB's) */
};

/*
 * How a pool's addresses are announced over layer 2 (ARP, NDP): an Eip
 * of protocol layer2 (its spec.interface), or a MetalLB L2Advertisement
 * that selects the pool.
 */
struct cfg_eip_l2 {
	char *name; /* the L2Advertisement's name, owned; NULL for an Eip's */
	/* Interface specs (a name, or "can_reach:IP"), owned. An Eip: its
	 * spec.interface. An L2Advertisement: its interfaces, none meaning
	 * MetalLB's "every interface" (cfg_eip_l2_ifspec). */
	char **interfaces;
	size_t n_interfaces;
	/* The nodes that may answer: any selector may match; none: every node. */
	struct cfg_selector *node_selectors; /* owned */
	size_t n_node_selectors;
};

#define CFG_EIP_MAX_COMMUNITIES       64
#define CFG_EIP_MAX_LARGE_COMMUNITIES 32
/* Ranges of one pool (IPAddressPool spec.addresses): the allocator's limit. */
#define CFG_POOL_MAX_RANGES 64

/* A MetalLB pool's priority when it gives none (0): after every pool
 * that gives one (MetalLB's sortPools); lower is preferred. */
#define CFG_PRIORITY_UNSET ((int64_t)INT32_MAX - 1)
/* An IPAddressPool without serviceAllocation: after every pool bound to
 * the Service's namespace (MetalLB's Allocate tries those last). */
#define CFG_PRIORITY_LAST ((int64_t)INT32_MAX)

struct cfg_eip {
	struct cfg_meta meta;
	enum cfg_api api; /* OPENELB: an Eip; METALLB: an IPAddressPool */
	/* The address ranges, in the order written: an Eip has one
	 * (spec.address), an IPAddressPool one per spec.addresses item. Both
	 * families may be present; no two ranges overlap. */
	struct cfg_range *ranges; /* owned, n_ranges >= 1 once decoded */
	size_t n_ranges;
	/* An Eip's spec.protocol, as written (bgp by default): what the
	 * controller compares with a Service's protocol annotation. How the
	 * pool is announced is bgp[] and l2[] below, for both APIs. */
	enum cfg_eip_protocol protocol;
	bool disable;         /* spec.disable (Eip) */
	bool using_known_ips; /* spec.usingKnownIPs (Eip) */
	bool avoid_buggy_ips; /* spec.avoidBuggyIPs (IPAddressPool): no x.y.z.0, x.y.z.255 */
	/*
	 * Automatic allocation. An Eip: by namespace (namespaces,
	 * ns_selectors) or as the default one (annotation). An
	 * IPAddressPool: autoAssign false gives only to Services that name
	 * the pool or one of its addresses; serviceAllocation binds it like
	 * an Eip's namespaces; without serviceAllocation it serves every
	 * namespace (all_namespaces) after the bound pools.
	 */
	bool auto_assign;    /* IPAddressPool spec.autoAssign (true when absent); Eips true */
	bool all_namespaces; /* an IPAddressPool with autoAssign and no serviceAllocation */
	/* serviceAllocation.serviceSelectors given: berth does not see a
	 * Service's labels when it picks a pool, so such a pool serves only
	 * Services that name it (said in its note). */
	bool svc_selectors;
	/* Lower is preferred. Eip spec.priority; an IPAddressPool's
	 * serviceAllocation.priority, CFG_PRIORITY_UNSET when 0 or absent. */
	int64_t priority;
	char **namespaces; /* spec.namespaces / serviceAllocation.namespaces, owned */
	size_t n_namespaces;
	/* Namespaces whose labels any of these match are bound too: an Eip's
	 * spec.namespaceSelector map (one matchLabels selector, none when the
	 * map is empty, as OpenELB ignores an empty one); an IPAddressPool's
	 * serviceAllocation.namespaceSelectors. */
	struct cfg_selector *ns_selectors; /* owned */
	size_t n_ns_selectors;
	/* Announcement (see above); all entries apply. */
	struct cfg_eip_bgp *bgp; /* owned */
	size_t n_bgp;
	struct cfg_eip_l2 *l2; /* owned */
	size_t n_l2;
	struct cfg_eip_status status; /* status (Eip) */
	/* What berth does not honour, one message per object (cfg_set_notes):
	 * note from the object alone, xnote from cfg_set_resolve. Owned. */
	char *note, *xnote;
};

int cfg_eip_decode(const json_t *obj, struct cfg_eip *out, struct cfg_error *err);
void cfg_eip_fini(struct cfg_eip *e);
void cfg_eip_bgp_fini(struct cfg_eip_bgp *b);
void cfg_eip_l2_fini(struct cfg_eip_l2 *l);

/* The range of e that holds a, or NULL. */
const struct cfg_range *cfg_eip_range_of(const struct cfg_eip *e, const struct core_addr *a);
/* Whether some range of a overlaps some range of b (*ra, *rb: which;
 * either may be NULL). */
bool cfg_eip_overlaps(const struct cfg_eip *a, const struct cfg_eip *b, const struct cfg_range **ra,
                      const struct cfg_range **rb);
/* The first address of e's first range of family (AF_INET, AF_INET6), or NULL. */
const struct core_addr *cfg_eip_first_of(const struct cfg_eip *e, int family);
/* "Eip" or "IPAddressPool". */
const char *cfg_eip_kind(const struct cfg_eip *e);

/*
 * The interface spec the layer 2 responder binds for pool e (l2/io.h
 * l2_io_resolve takes it), into buf: the one interface e's
 * announcements name; "can_reach:<the pool's first address>" when none
 * names any (MetalLB's "every interface": the one this node reaches the
 * pool's addresses through, where their ARP and NDP requests arrive).
 * Returns buf, or NULL when e has no layer 2 announcement. When the
 * announcements name several, the first (the note of the advertisement
 * that adds one says so).
 */
const char *cfg_eip_l2_ifspec(const struct cfg_eip *e, char *buf, size_t size);

/*
 * The shortest aggregation length that keeps every aggregate of an
 * address in [first, last] inside that range: an aggregate of length L is
 * an aligned block of 2^(W - L) addresses (W = 32 or 128), and every block
 * that meets the range lies inside it iff first and last + 1 are
 * multiples of the block's size. So W minus the trailing zero bits that
 * first and last + 1 share (last + 1 of the top address is 2^W): the
 * prefix length of a CIDR pool, 0 for the whole address space.
 */
unsigned cfg_eip_min_aggregation(const struct core_addr *first, const struct core_addr *last);
/* The same over every range of e of family (AF_INET, AF_INET6): the
 * largest, 0 when e has none of that family. */
unsigned cfg_eip_min_aggregation_of(const struct cfg_eip *e, int family);

/*
 * True when a and b announce alike. Nothing there resets a BGP session:
 * a difference changes routes and their attributes, which go out in
 * UPDATEs.
 */
bool cfg_eip_bgp_equal(const struct cfg_eip_bgp *a, const struct cfg_eip_bgp *b);

/*
 * Parses an Eip address: one IP, a CIDR (host bits may be set, as Go's
 * net.ParseCIDR allows; the range is the whole network) or "first-last".
 * Returns 0 or -EINVAL; *why (static string) says what is wrong.
 */
int cfg_eip_parse_address(const char *s, struct core_addr *first, struct core_addr *last,
                          const char **why);

/* ---- MetalLB (metallb.io): the kinds that are no pool and no peer ---- */

/*
 * IPAddressPool decodes into a struct cfg_eip (api CFG_API_METALLB) and
 * BGPPeer (v1beta2, and v1beta1) into a struct cfg_bgp_peer: the model
 * both APIs share. The kinds below are kept in the set as decoded and
 * lowered onto those pools and peers by cfg_set_resolve. Decoding is
 * validate-then-read with MetalLB's own rules (api/v1beta1 CRD markers,
 * internal/config), errors in the Eip decoder's form:
 *   pools.yaml:3: IPAddressPool metallb-system/a: spec.addresses[1]: "192.0.2.0/33" ...
 * A field berth does not honour, or one it does not know (a newer
 * MetalLB's), is no error: it goes into the object's note, one message
 * per object (cfg_set_notes), never dropped without a word.
 */

/* BGPAdvertisement (api/v1beta1/bgpadvertisement_types.go). */
struct cfg_mlb_bgp_adv {
	struct cfg_meta meta;
	/* What it gives each pool it selects (name: the object's). Literal
	 * communities are in it as decoded; Community aliases only once
	 * cfg_set_resolve has looked them up. */
	struct cfg_eip_bgp adv;
	char **communities; /* spec.communities as written, owned, no duplicates */
	size_t n_communities;
	char **pools; /* spec.ipAddressPools, owned, no duplicates */
	size_t n_pools;
	struct cfg_selector *pool_selectors; /* spec.ipAddressPoolSelectors, owned */
	size_t n_pool_selectors;
	/* Neither pools nor selectors: every IPAddressPool (MetalLB's rule;
	 * Eips have their own announcement and are never selected). */
	bool svc_selectors; /* spec.serviceSelectors given: not applied (note) */
	char *note, *xnote; /* as struct cfg_eip's */
};

/* L2Advertisement (api/v1beta1/l2advertisement_types.go). */
struct cfg_mlb_l2_adv {
	struct cfg_meta meta;
	struct cfg_eip_l2 adv; /* interfaces, nodeSelectors; name: the object's */
	char **pools;          /* spec.ipAddressPools, owned */
	size_t n_pools;
	struct cfg_selector *pool_selectors; /* spec.ipAddressPoolSelectors, owned */
	size_t n_pool_selectors;
	bool svc_selectors; /* spec.serviceSelectors given: not applied (note) */
	char *note, *xnote;
};

/* BFDProfile (api/v1beta1/bfdprofile_types.go): what a BGPPeer naming it
 * gets as its spec.bfd (enabled, the intervals; strict off). */
struct cfg_mlb_bfd {
	struct cfg_meta meta;
	struct cfg_bfd bfd;
	char *note, *xnote;
};

/* One alias of a Community (api/v1beta1/community_types.go). */
struct cfg_mlb_alias {
	char *name;    /* owned */
	bool large;    /* "large:G:L1:L2" (RFC 8092), else "AS:VALUE" (RFC 1997) */
	uint32_t v[3]; /* the value: v[0] alone for RFC 1997 */
};

struct cfg_mlb_community {
	struct cfg_meta meta;
	struct cfg_mlb_alias *aliases; /* spec.communities, owned */
	size_t n_aliases;
	char *note, *xnote;
};

/* An object of MetalLB's kinds that berth keeps only to say why it does
 * nothing: outside MetalLB's namespace, or a BGPPeer berth cannot peer
 * with (interface, dynamicASN, vrf). */
struct cfg_mlb_ignored {
	const char *kind;        /* static */
	const char *api_version; /* static */
	struct cfg_meta meta;
	char *note; /* owned */
};

/* Decoders: *out zeroed first, left zeroed on failure (as every decoder
 * here). meta.ns is NULL when the object names no namespace (a set puts
 * it in MetalLB's). A BGPPeer that decodes but that berth cannot peer
 * with gives 1 (its note says why), else 0; the others 0 or a negative
 * errno. */
int cfg_ip_address_pool_decode(const json_t *obj, struct cfg_eip *out, struct cfg_error *err);
int cfg_metallb_peer_decode(const json_t *obj, struct cfg_bgp_peer *out, struct cfg_error *err);
int cfg_bgp_adv_decode(const json_t *obj, struct cfg_mlb_bgp_adv *out, struct cfg_error *err);
int cfg_l2_adv_decode(const json_t *obj, struct cfg_mlb_l2_adv *out, struct cfg_error *err);
int cfg_bfd_profile_decode(const json_t *obj, struct cfg_mlb_bfd *out, struct cfg_error *err);
int cfg_mlb_community_decode(const json_t *obj, struct cfg_mlb_community *out,
                             struct cfg_error *err);
void cfg_mlb_bgp_adv_fini(struct cfg_mlb_bgp_adv *a);
void cfg_mlb_l2_adv_fini(struct cfg_mlb_l2_adv *a);
void cfg_mlb_bfd_fini(struct cfg_mlb_bfd *b);
void cfg_mlb_community_fini(struct cfg_mlb_community *c);
void cfg_mlb_ignored_fini(struct cfg_mlb_ignored *o);

/*
 * MetalLB's community text (internal/bgp/community): "AS:VALUE", each
 * 0..65535, or "large:G:L1:L2", each 0..4294967295; decimal digits, no
 * sign (Go's strconv.ParseUint, which takes leading zeros). Returns 0
 * (*large, v[]), -EINVAL for a value of one of those forms that is out
 * of range or not a number (*why), or -ENOENT for text of neither form,
 * which MetalLB takes for a Community alias.
 */
int cfg_mlb_community_parse(const char *s, bool *large, uint32_t v[3], const char **why);

/* A metav1.Duration as Go's time.ParseDuration reads it ("90s", "1m30s",
 * "1.5h", "300ms", "0") into nanoseconds; negative ones and ones beyond
 * int64 nanoseconds are refused. 0 or -EINVAL. */
int cfg_parse_duration(const char *s, uint64_t *ns);

/* ---- Service (core v1) ---- */

enum cfg_svc_type {
	CFG_SVC_CLUSTER_IP = 0, /* the default */
	CFG_SVC_NODE_PORT,
	CFG_SVC_LOAD_BALANCER,
	CFG_SVC_EXTERNAL_NAME,
};

enum cfg_traffic_policy { CFG_ETP_CLUSTER = 0, CFG_ETP_LOCAL };

enum cfg_family_policy {
	CFG_IPFP_UNSET = 0,
	CFG_IPFP_SINGLE_STACK,
	CFG_IPFP_PREFER_DUAL_STACK,
	CFG_IPFP_REQUIRE_DUAL_STACK,
};

struct cfg_service_port {
	char *name;         /* name, NULL if absent */
	char *protocol;     /* protocol: TCP (default), UDP or SCTP */
	uint32_t port;      /* port, required, 1..65535 */
	char *target_port;  /* targetPort as text (a number or a port name), NULL if absent */
	uint32_t node_port; /* nodePort, 0 if absent */
	char *app_protocol; /* appProtocol */
};

/* The members go in an order that leaves no padding but the tail's: a
 * speaker keeps 10,000 of these in one array, its largest. */
struct cfg_service {
	struct cfg_meta meta;
	enum cfg_svc_type type;                          /* spec.type */
	enum cfg_traffic_policy external_traffic_policy; /* spec.externalTrafficPolicy */
	enum cfg_family_policy ip_family_policy;         /* spec.ipFamilyPolicy */
	/* metadata.annotations[CFG_ANN_PROTOCOL], OpenELB's pick of speaker:
	 * true when absent or "bgp"; any other value ("" too) is layer2's,
	 * vip's or none's. */
	bool bgp;
	bool has_load_balancer_ip;
	struct core_addr load_balancer_ip;     /* spec.loadBalancerIP (deprecated, still used) */
	uint8_t n_ip_families;                 /* at most BGP_AF_COUNT: fits the padding here */
	enum bgp_af ip_families[BGP_AF_COUNT]; /* spec.ipFamilies */
	char *load_balancer_class;             /* spec.loadBalancerClass */
	struct cfg_service_port *ports;        /* spec.ports, owned */
	size_t n_ports;
	struct core_addr *ingress; /* status.loadBalancer.ingress[].ip, owned; entries with
	                             only a hostname are skipped */
	size_t n_ingress;
};

int cfg_service_decode(const json_t *obj, struct cfg_service *out, struct cfg_error *err);
void cfg_service_fini(struct cfg_service *s);
/* Frees what only the controller reads (labels, annotations: the one the
 * speaker reads is decoded, resourceVersion, source, loadBalancerClass,
 * ports), for a speaker that keeps thousands of Services. */
void cfg_service_trim(struct cfg_service *s);

/* ---- Node (core v1) ---- */

enum cfg_cond { CFG_COND_UNKNOWN = 0, CFG_COND_TRUE, CFG_COND_FALSE };

struct cfg_node_address {
	char *type;    /* InternalIP, ExternalIP, Hostname, InternalDNS, ExternalDNS */
	char *address; /* as written */
	bool is_ip;    /* address parsed as an IP */
	struct core_addr ip;
};

struct cfg_node {
	struct cfg_meta meta;
	bool unschedulable;  /* spec.unschedulable */
	enum cfg_cond ready; /* status.conditions[type=Ready].status; UNKNOWN if absent */
	struct cfg_node_address *addresses; /* status.addresses, owned */
	size_t n_addresses;
};

int cfg_node_decode(const json_t *obj, struct cfg_node *out, struct cfg_error *err);
void cfg_node_fini(struct cfg_node *n);

/* First address of the given type ("InternalIP") that is an IP of family
 * (AF_INET, AF_INET6, or 0 for any); NULL if none. Borrowed from n. */
const struct core_addr *cfg_node_ip(const struct cfg_node *n, const char *type, int family);

/* ---- EndpointSlice (discovery.k8s.io/v1) ---- */

/* The label that ties an EndpointSlice to its Service (discovery/v1 LabelServiceName). */
#define CFG_LABEL_SERVICE_NAME "kubernetes.io/service-name"

enum cfg_slice_type { CFG_SLICE_IPV4 = 0, CFG_SLICE_IPV6, CFG_SLICE_FQDN, CFG_SLICE_TYPES };

struct cfg_endpoint {
	/* conditions.ready: absent or null is "unknown", which discovery/v1
	 * says consumers should read as ready; only an explicit false is not. */
	bool ready;
	bool serving;     /* conditions.serving, same default */
	bool terminating; /* conditions.terminating, false when absent */
	/* Other ready endpoints of node_name that cfg_endpoint_slice_trim
	 * folded into this one: the entry stands for 1 + merged endpoints
	 * (0 as decoded). In the padding after the flags: no bigger. */
	uint32_t merged;
	char *node_name; /* nodeName, owned, NULL if absent */
};

/* Decoded leniently like the core kinds: only the fields above, plus
 * addressType and the label, are read; each must be valid when present. */
struct cfg_endpoint_slice {
	struct cfg_meta meta;
	const char *service; /* borrowed from meta.labels: CFG_LABEL_SERVICE_NAME, or NULL */
	enum cfg_slice_type address_type; /* addressType, required */
	struct cfg_endpoint *endpoints;   /* endpoints, owned */
	size_t n_endpoints;
};

int cfg_endpoint_slice_decode(const json_t *obj, struct cfg_endpoint_slice *out,
                              struct cfg_error *err);
void cfg_endpoint_slice_fini(struct cfg_endpoint_slice *e);
/* Keeps what a speaker needs: one ready endpoint per node that has one,
 * counting the node's others in merged (BGP's externalTrafficPolicy
 * Local asks about this node and weighs it by the count, layer 2's owner
 * choice asks about every node), the Service name label, the name and
 * namespace. Returns whether any endpoint is left. */
bool cfg_endpoint_slice_trim(struct cfg_endpoint_slice *e);

/*
 * True when some EndpointSlice of Service ns/name in slices has a ready
 * endpoint on node (externalTrafficPolicy: Local, kube-proxy's rule).
 */
bool cfg_slices_ready_on(const struct cfg_endpoint_slice *slices, size_t n, const char *ns,
                         const char *name, const char *node);
/* How many ready endpoints of Service ns/name are on node, over every
 * slice of it in slices, trimmed or not (1 + merged each); saturates at
 * UINT32_MAX. Summed per addressType, the largest sum counts: the
 * EndpointSlice controller lists a dual-stack Service's pods once per
 * family (an IPv4 and an IPv6 slice), and a pod is one endpoint. */
uint32_t cfg_slices_ready_count(const struct cfg_endpoint_slice *slices, size_t n, const char *ns,
                                const char *name, const char *node);
/* Ready endpoints of one Service on one node, per addressType, as
 * cfg_slices_ready_count counts them. Caller storage, zeroed to start. */
struct cfg_ready_count {
	uint32_t by_type[CFG_SLICE_TYPES];
};
/* The endpoints of one slice that are ready and on node (1 + merged each),
 * added to the sum of its addressType, saturating. */
void cfg_slice_ready_count_add(const struct cfg_endpoint_slice *s, const char *node,
                               struct cfg_ready_count *c);
/* The count: the largest sum. */
uint32_t cfg_ready_count_value(const struct cfg_ready_count *c);

/* ---- Secret (core v1) ---- */

/* The API server's limit on a Secret's data (MaxSecretSize), values only. */
#define CFG_SECRET_MAX_BYTES (1024 * 1024)

struct cfg_secret_item {
	char *key;   /* owned: a valid data key (IsConfigMapKey) */
	char *value; /* owned: len bytes (any, NUL included) and a NUL after them */
	size_t len;
};

/*
 * What berth reads of a Secret (config/secret.c): its name and data, the
 * base64 of data decoded and stringData merged in (stringData wins for a
 * key in both, as the API server merges it on write). Checked as the API
 * server checks them: base64 (naming the byte), data keys, at most
 * CFG_SECRET_MAX_BYTES. Values are wiped when freed.
 */
struct cfg_secret {
	struct cfg_meta meta;
	struct cfg_secret_item *data; /* owned array, no key twice */
	size_t n_data;
};

int cfg_secret_decode(const json_t *obj, struct cfg_secret *out, struct cfg_error *err);
void cfg_secret_fini(struct cfg_secret *s);
/* The item of key, or NULL; borrowed from s. s may be NULL. */
const struct cfg_secret_item *cfg_secret_get(const struct cfg_secret *s, const char *key);

/* ---- A set of objects, and the manifest loader ---- */

struct cfg_set {
	struct cfg_bgp_conf *bgp_conf; /* owned; NULL when no BgpConf "default" */
	struct cfg_bgp_peer *peers;    /* owned array */
	size_t n_peers;
	struct cfg_eip *eips; /* owned array */
	size_t n_eips;
	/* Owned array, unordered, indexed by (namespace, name): change it only
	 * through cfg_set_service_put and cfg_set_service_del (or a load). */
	struct cfg_service *services;
	size_t n_services, cap_services;
	struct core_idx svc_ix;
	struct cfg_node *nodes; /* owned array */
	size_t n_nodes;
	size_t n_skipped;                  /* objects of harmless kinds that were skipped */
	struct cfg_endpoint_slice *slices; /* owned array (EndpointSlices) */
	size_t n_slices;
	/* Owned array: Secrets of every namespace the manifests name (the
	 * speaker reads those of its own namespace only: cfg_set_secret). */
	struct cfg_secret *secrets;
	size_t n_secrets;
	/* MetalLB (IPAddressPools are in eips, BGPPeers in peers). */
	char *metallb_ns;                 /* owned; NULL: CFG_METALLB_NS (cfg_set_metallb_ns) */
	struct cfg_mlb_bgp_adv *bgp_advs; /* owned array */
	size_t n_bgp_advs;
	struct cfg_mlb_l2_adv *l2_advs; /* owned array */
	size_t n_l2_advs;
	struct cfg_mlb_bfd *bfds; /* owned array (BFDProfiles) */
	size_t n_bfds;
	struct cfg_mlb_community *communities; /* owned array (Communities) */
	size_t n_communities;
	struct cfg_mlb_ignored *ignored; /* owned array */
	size_t n_ignored;
};

void cfg_set_init(struct cfg_set *s);
void cfg_set_fini(struct cfg_set *s);

/*
 * Kinds a manifest may contain besides the ones above (OpenELB's Eip,
 * BgpConf, BgpPeer; MetalLB's IPAddressPool, BGPPeer, BGPAdvertisement,
 * L2Advertisement, BFDProfile, Community; Service, Node, EndpointSlice,
 * Secret);
 * they are skipped (counted in n_skipped) because OpenELB's and MetalLB's
 * own deployment manifests and typical application manifests carry them
 * next to the objects berth reads: Namespace, ConfigMap,
 * ServiceAccount, Role, ClusterRole, RoleBinding, ClusterRoleBinding,
 * Deployment, DaemonSet, StatefulSet, Job, Pod, Endpoints, NetworkPolicy,
 * CustomResourceDefinition, ValidatingWebhookConfiguration,
 * MutatingWebhookConfiguration, and MetalLB's status kinds
 * (ServiceL2Status, ServiceBGPStatus, ConfigurationState). Any other kind
 * (OpenELB's DefinedSet, MetalLB's removed AddressPool, whose meaning
 * berth would drop) is an error. "List" and "<Kind>List" objects are
 * unpacked: their items are loaded (an item without kind takes it from
 * "<Kind>List", as list responses of the API server omit it).
 *
 * Objects of MetalLB's kinds outside the set's MetalLB namespace
 * (cfg_set_metallb_ns) are not decoded: MetalLB reads only its own
 * namespace. They are kept in ignored[] with a note saying so. One without
 * metadata.namespace (a manifest for `kubectl apply -n`) is taken to be
 * in MetalLB's.
 *
 * Cross-object rules, checked over the whole set as objects are added:
 * one BgpConf, named "default" (OpenELB reads no other); a
 * kind/namespace/name appears once; no two address ranges of the set's
 * pools overlap, whichever API each came from (OpenELB's Eip webhook and
 * MetalLB's config validation each refuse overlaps in their own API); at
 * most one Eip is annotated as the default pool of a family; an
 * IPAddressPool is named like no Eip, and a BGPPeer like no BgpPeer
 * (Services, advertisements and routes name pools and peers by name
 * alone).
 */
bool cfg_kind_is_skipped(const char *kind);

/*
 * Rules that need the whole set, so that objects may come in any order
 * and from several files. OpenELB: every name in an Eip's
 * spec.bgp.peers is a BgpPeer of s. MetalLB (its internal/config rules):
 * an advertisement's ipAddressPools name IPAddressPools of s (MetalLB
 * skips a missing one without a word; in a manifest it is a mistake),
 * its peers name BGPPeers, its communities are values or aliases of a
 * Community of s, its aggregation lengths keep aggregates inside every
 * range of the pools it selects, two of a pool's BGPAdvertisements that
 * reach the same peers and nodes with the same prefixes give the same
 * localPref, a BGPPeer's bfdProfile is a BFDProfile of s, and no Community
 * alias is defined twice. Returns 0, or -EINVAL with err naming the
 * source, the object and the field:
 *   pools.yaml:3: Eip pool: spec.bgp.peers[1]: no BgpPeer "tor3"
 *   adv.yaml:9: BGPAdvertisement metallb-system/ext: spec.communities[0]: no Community alias "vpn"
 * cfg_manifest_load_files runs it on the set it loaded, before the set
 * replaces the running one; loading one manifest into a set does not,
 * since that set may be waiting for more files; cfg_set_add_json does
 * not, since in cluster mode a BgpPeer may arrive after the Eip naming
 * it (there an unknown name matches no peer, and the speaker says so;
 * cfg_set_resolve leaves out what breaks the MetalLB rules and notes it).
 */
int cfg_set_validate(const struct cfg_set *s, struct cfg_error *err);

/*
 * Adds the objects of one YAML/JSON manifest (a file, multi-document) to
 * *set. All or nothing: on any error *set is unchanged and err says why.
 * Returns 0, -EINVAL (invalid content, err filled), -E2BIG, -ENOMEM, or
 * the errno of open/read.
 */
int cfg_manifest_load(const char *path, struct cfg_set *set, struct cfg_error *err);

/* Same, from memory; name is used in messages and may be NULL. */
int cfg_manifest_load_buf(const char *name, const char *buf, size_t len, struct cfg_set *set,
                          struct cfg_error *err);

/*
 * Same, from any input (config/yaml.h): one document, or one item of a
 * List with in->items, decoded at a time, its tree freed before the next
 * is read. The two above read their input so, with in->items.
 */
int cfg_manifest_load_stream(const char *name, const struct cfg_yaml_input *in, struct cfg_set *set,
                             struct cfg_error *err);

/*
 * Loads several files into a fresh set and, only when all of them load
 * and the set passes cfg_set_validate, replaces *set with it (the old
 * contents are freed). On error *set, the running configuration, is
 * untouched.
 */
int cfg_manifest_load_files(const char *const *paths, size_t n_paths, struct cfg_set *set,
                            struct cfg_error *err);

/* Adds one decoded-from-JSON object (any supported kind, or a List) to
 * *set, with the same rules and all-or-nothing behaviour. */
int cfg_set_add_json(struct cfg_set *set, const json_t *obj, struct cfg_error *err);

/* ---- MetalLB: namespace, lowering, notes ---- */

/* The namespace whose MetalLB objects count (CFG_METALLB_NS unless set). */
const char *cfg_metallb_ns(const struct cfg_set *s);
/* Sets it (copied) for the objects added from now on; a load keeps it.
 * 0, -EINVAL (not a DNS-1123 label) or -ENOMEM. */
int cfg_set_metallb_ns(struct cfg_set *s, const char *ns);

/*
 * Lowers MetalLB's objects onto the set's pools and peers, so that the
 * speaker sees one model whatever the API (recomputed from scratch, so it
 * may run after every change; OpenELB's objects are left as they are):
 *  - each BGPAdvertisement and L2Advertisement becomes an entry of bgp[]
 *    or l2[] of every IPAddressPool it selects (by name, by pool labels,
 *    or all when it names none), in the order of the set; several for
 *    one pool all apply; a pool none selects is not announced;
 *  - its communities, Community aliases looked up, into adv's;
 *  - a BGPPeer's bfdProfile into its spec.bfd (enabled, the profile's
 *    intervals and multiplier);
 *  - without a BgpConf, one for MetalLB's BGPPeers (api CFG_API_METALLB):
 *    AS the first BGPPeer's myASN (each peer keeps its own as localAs),
 *    router ID their routerID when they give one, else the node's.
 * What breaks a rule of cfg_set_validate is left out (an advertisement not
 * attached to that pool, a peer without BFD) and said in the xnote of the
 * object at fault. Returns 0 or -ENOMEM (s then as before).
 */
int cfg_set_resolve(struct cfg_set *s);

/*
 * berth convert --from metallb: the MetalLB objects of s (loaded,
 * validated and resolved, as cfg_manifest_load_files leaves a set) as
 * OpenELB/berth YAML, written from the model they were lowered into: a
 * BgpConf for their peers when the set has none of OpenELB's, a BgpPeer
 * per BGPPeer, an Eip per range of each IPAddressPool (an Eip has one
 * address) with the first advertisement that selects it. Every field
 * with no equivalent, and every note (cfg_set_notes), is a comment.
 * *text: a new string (caller frees). 0 or -ENOMEM.
 */
int cfg_convert_metallb(const struct cfg_set *s, char **text);

/* One object's message about what berth does not honour or left out. */
struct cfg_note {
	const char *kind;            /* "IPAddressPool", "BGPPeer"...: static */
	const char *api_version;     /* "metallb.io/v1beta1"...: static */
	const struct cfg_meta *meta; /* the object's, borrowed */
	const char *msg;             /* one line, borrowed for the call */
	bool left_out;               /* cfg_set_resolve left something out (xnote) */
};

/*
 * fn once per object of s that has something to say: every field it
 * carries that berth does not honour (named, with what berth does
 * instead), and what cfg_set_resolve left out. The caller turns each into
 * one Event on the object and one log line, and remembers what it said:
 * the same message again is no news. Objects in set order, kinds in the
 * order of struct cfg_set.
 */
void cfg_set_notes(const struct cfg_set *s, void (*fn)(const struct cfg_note *n, void *arg),
                   void *arg);

/* ---- Accessors for the speaker ---- */

/* NULL when absent. Results are borrowed from s. ns may be NULL for "default". */
const struct cfg_node *cfg_set_node(const struct cfg_set *s, const char *name);
const struct cfg_bgp_peer *cfg_set_peer(const struct cfg_set *s, const char *name);
const struct cfg_eip *cfg_set_eip(const struct cfg_set *s, const char *name);
/* Secret ns/name (ns NULL: "default"). */
const struct cfg_secret *cfg_set_secret(const struct cfg_set *s, const char *ns, const char *name);
/* Through the index; valid until the Services change. */
const struct cfg_service *cfg_set_service(const struct cfg_set *s, const char *ns,
                                          const char *name);

/*
 * One Service at a time, as cluster mode keeps them (and a loader that
 * streams could add them), with no rule across objects checked:
 * cfg_set_service_put takes svc over (*svc is zeroed) in place of the
 * Service of the same namespace and name, if any (freed); 0, or -ENOMEM
 * with svc untouched. cfg_set_service_del frees Service ns/name: 1 when
 * it was there, else 0; the last Service moves into its place.
 */
int cfg_set_service_put(struct cfg_set *s, struct cfg_service *svc);
int cfg_set_service_del(struct cfg_set *s, const char *ns, const char *name);

/*
 * Iterates the BgpPeers whose nodeSelector matches node_labels (NULL: a
 * node with no labels, e.g. when the set has no Node object for this
 * node). *it starts at 0. Returns NULL at the end.
 */
const struct cfg_bgp_peer *cfg_set_next_peer(const struct cfg_set *s,
                                             const struct cfg_map *node_labels, size_t *it);

/* Iterator over the addresses to announce: status.loadBalancer.ingress
 * IPs of Services of type LoadBalancer. Zero-initialise it first. */
struct cfg_lb_iter {
	size_t svc;
	size_t ip;
};

/* Returns true with *svc and *addr (borrowed) set, false at the end.
 * Walks services[] (a set that owns its Services). */
bool cfg_set_next_lb_addr(const struct cfg_set *s, struct cfg_lb_iter *it,
                          const struct cfg_service **svc, const struct core_addr **addr);

#endif
