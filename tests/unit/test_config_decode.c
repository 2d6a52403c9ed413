/*
 * Typed decoders: every validation error with its exact message, and the
 * decoded values of good objects (defaults included).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "config/config.h"

/* Lines 1-5; spec members start on line 6. */
#define HEAD(kind, name)                                                                           \
	"apiVersion: network.kubesphere.io/v1alpha2\nkind: " kind "\nmetadata:\n  name: " name     \
	"\nspec:\n"
#define PEER HEAD("BgpPeer", "tor1")
/* lines 6-8; anything after starts on line 9 */
#define CONF_OK "  conf:\n    peerAs: 65001\n    neighborAddress: 192.0.2.5\n"
/* lines 9-10 after CONF_OK; the next field is on line 11 */
#define BFD_ON "  bfd:\n    enabled: true\n"
#define CONF   HEAD("BgpConf", "default")
#define EIP    HEAD("Eip", "pool")
#define SVC    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
#define NODE   "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\nstatus:\n"

struct bad_case {
	const char *file;
	const char *yaml;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
    /* ---- BgpPeer ---- */
    {"peers.yaml", PEER "  conf:\n    peerAs: 0\n    neighborAddress: 192.0.2.5\n",
     "peers.yaml:7: BgpPeer tor1: spec.conf.peerAs: must be 1..4294967295"},
    {"peers.yaml", PEER "  conf:\n    peerAs: -65001\n    neighborAddress: 192.0.2.5\n",
     "peers.yaml:7: BgpPeer tor1: spec.conf.peerAs: must be 1..4294967295"},
    {"peers.yaml", PEER "  conf:\n    peerAs: 4294967296\n    neighborAddress: 192.0.2.5\n",
     "peers.yaml:7: BgpPeer tor1: spec.conf.peerAs: must be 1..4294967295"},
    {"peers.yaml",
     PEER "  conf:\n    peerAs: 99999999999999999999999\n    neighborAddress: 192.0.2.5\n",
     "peers.yaml:7: BgpPeer tor1: spec.conf.peerAs: must be 1..4294967295"},
    {"peers.yaml", PEER "  conf:\n    peerAs: \"65001\"\n    neighborAddress: 192.0.2.5\n",
     "peers.yaml:7: BgpPeer tor1: spec.conf.peerAs: must be an integer"},
    {"peers.yaml", PEER "  conf:\n    peerAs: 1.5\n    neighborAddress: 192.0.2.5\n",
     "peers.yaml:7: BgpPeer tor1: spec.conf.peerAs: must be an integer"},
    {"peers.yaml", PEER "  conf:\n    neighborAddress: 192.0.2.5\n",
     "peers.yaml:7: BgpPeer tor1: spec.conf.peerAs: required"},
    {"peers.yaml", PEER "  conf:\n    peerAs: 65001\n    neighborAddress: 192.0.2.300\n",
     "peers.yaml:8: BgpPeer tor1: spec.conf.neighborAddress: \"192.0.2.300\" is not an IP address"},
    {"peers.yaml", PEER "  conf:\n    peerAs: 65001\n",
     "peers.yaml:7: BgpPeer tor1: spec.conf.neighborAddress: required"},
    {"peers.yaml", PEER "  nodeSelector: {}\n", "peers.yaml:6: BgpPeer tor1: spec.conf: required"},
    {"peers.yaml", PEER "  conf: 5\n", "peers.yaml:6: BgpPeer tor1: spec.conf: must be a mapping"},
    {"peers.yaml",
     PEER CONF_OK
     "    authPassword: "
     "\"123456789012345678901234567890123456789012345678901234567890123456789012345678901\"\n",
     "peers.yaml:9: BgpPeer tor1: spec.conf.authPassword: must be at most 80 bytes (TCP-MD5 key "
     "limit)"},
    {"peers.yaml", PEER CONF_OK "    peerASN: 65001\n",
     "peers.yaml:9: BgpPeer tor1: spec.conf.peerASN: unknown field"},
    {"peers.yaml", PEER CONF_OK "  bfdProfile: default\n",
     "peers.yaml:9: BgpPeer tor1: spec.bfdProfile: unknown field"},
    {"peers.yaml", PEER CONF_OK "extra: 1\n", "peers.yaml:9: BgpPeer tor1: extra: unknown field"},
    {"peers.yaml", PEER CONF_OK "    peerType: 2\n",
     "peers.yaml:9: BgpPeer tor1: spec.conf.peerType: must be 0..1"},
    {"peers.yaml", PEER CONF_OK "    removePrivateAs: SOME\n",
     "peers.yaml:9: BgpPeer tor1: spec.conf.removePrivateAs: must be NONE, ALL, REPLACE, "
     "REMOVE_NONE or REMOVE_ALL"},
    {"peers.yaml", PEER CONF_OK "    allowOwnAs: 256\n",
     "peers.yaml:9: BgpPeer tor1: spec.conf.allowOwnAs: must be 0..255"},
    {"peers.yaml", PEER CONF_OK "    adminDown: yes\n",
     "peers.yaml:9: BgpPeer tor1: spec.conf.adminDown: must be true or false"},
    {"peers.yaml",
     "apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\nmetadata:\n  name: tor1\n"
     "  lables: {a: b}\nspec:\n" CONF_OK,
     "peers.yaml:5: BgpPeer tor1: metadata.lables: unknown field"},
    {"peers.yaml",
     "apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\nmetadata:\n  namespace: x\n",
     "peers.yaml:4: BgpPeer: metadata.name: required"},
    {"peers.yaml", "apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpPeer\nspec: {}\n",
     "peers.yaml:1: BgpPeer: metadata: required"},
    {"peers.yaml",
     "apiVersion: network.kubesphere.io/v1alpha1\nkind: BgpPeer\nmetadata:\n  name: tor1\n",
     "peers.yaml:1: BgpPeer: apiVersion: must be network.kubesphere.io/v1alpha2"},
    {"peers.yaml", PEER CONF_OK "  ebgpMultihop:\n    enabled: true\n    multihopTtl: 0\n",
     "peers.yaml:11: BgpPeer tor1: spec.ebgpMultihop.multihopTtl: must be 1..255"},
    {"peers.yaml", PEER CONF_OK "  ebgpMultihop:\n    multihopTtl: 256\n",
     "peers.yaml:10: BgpPeer tor1: spec.ebgpMultihop.multihopTtl: must be 1..255"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      holdTime: \"2\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.holdTime: must be 0 or 3..65535"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      holdTime: 70000\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.holdTime: must be 0..65535"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      holdTime: 90s\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.holdTime: must be a whole number of "
     "seconds"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      holdTime: \"-1\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.holdTime: must be a whole number of "
     "seconds"},
    {"peers.yaml",
     PEER CONF_OK "  timers:\n    config:\n      holdTime: \"30\"\n      keepaliveInterval: 30\n",
     "peers.yaml:12: BgpPeer tor1: spec.timers.config.keepaliveInterval: must be less than "
     "holdTime (30)"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      keepaliveInterval: \"90\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.keepaliveInterval: must be less than "
     "holdTime (90)"},
    {"peers.yaml",
     PEER CONF_OK
     "  timers:\n    config:\n      holdTime: \"30\"\n      keepaliveInterval: \"0\"\n",
     "peers.yaml:12: BgpPeer tor1: spec.timers.config.keepaliveInterval: must not be 0 unless "
     "holdTime is 0"},
    {"peers.yaml",
     PEER CONF_OK
     "  timers:\n    config:\n      holdTime: \"0\"\n      keepaliveInterval: \"10\"\n",
     "peers.yaml:12: BgpPeer tor1: spec.timers.config.keepaliveInterval: must be 0 when holdTime "
     "is 0"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    holdTime: 90\n",
     "peers.yaml:10: BgpPeer tor1: spec.timers.holdTime: unknown field"},
    /* idleHoldTimeAfterReset: 0 would reconnect into the same flood */
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: \"0\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTimeAfterReset: must be 1..65535"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: 0\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTimeAfterReset: must be 1..65535"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: \"65536\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTimeAfterReset: must be 1..65535"},
    {"peers.yaml",
     PEER CONF_OK
     "  timers:\n    config:\n      idleHoldTimeAfterReset: \"99999999999999999999999\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTimeAfterReset: must be 1..65535"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: -60\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTimeAfterReset: must be 1..65535"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: 1m\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTimeAfterReset: must be a whole "
     "number of seconds"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: \" 60\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTimeAfterReset: must be a whole "
     "number of seconds"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: 1.5\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTimeAfterReset: must be an integer"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: [60]\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTimeAfterReset: must be an integer"},
    {"peers.yaml", PEER CONF_OK "  timers:\n    config:\n      idleHoldTime: \"60\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.timers.config.idleHoldTime: unknown field"},
    {"peers.yaml", PEER CONF_OK "  transport:\n    remotePort: 0\n",
     "peers.yaml:10: BgpPeer tor1: spec.transport.remotePort: must be 1..65535"},
    {"peers.yaml", PEER CONF_OK "  transport:\n    remotePort: 65536\n",
     "peers.yaml:10: BgpPeer tor1: spec.transport.remotePort: must be 1..65535"},
    {"peers.yaml", PEER CONF_OK "  transport:\n    remoteAddress: tor1.example\n",
     "peers.yaml:10: BgpPeer tor1: spec.transport.remoteAddress: \"tor1.example\" is not an IP "
     "address"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: ipv4, safi: SAFI_UNICAST}\n",
     "peers.yaml:11: BgpPeer tor1: spec.afiSafis[0].config.family.afi: must be AFI_IP or AFI_IP6"},
    {"peers.yaml",
     PEER CONF_OK
     "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_MPLS_VPN}\n",
     "peers.yaml:11: BgpPeer tor1: spec.afiSafis[0].config.family.safi: must be SAFI_UNICAST"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {safi: SAFI_UNICAST}\n",
     "peers.yaml:11: BgpPeer tor1: spec.afiSafis[0].config.family.afi: required"},
    {"peers.yaml", PEER CONF_OK "  afiSafis:\n    - config:\n        enabled: true\n",
     "peers.yaml:11: BgpPeer tor1: spec.afiSafis[0].config.family: required"},
    {"peers.yaml", PEER CONF_OK "  afiSafis:\n    - addPaths: {config: {sendMax: 1}}\n",
     "peers.yaml:10: BgpPeer tor1: spec.afiSafis[0].config: required"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
                  "        enabled: yes\n",
     "peers.yaml:12: BgpPeer tor1: spec.afiSafis[0].config.enabled: must be true or false"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
                  "    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n",
     "peers.yaml:12: BgpPeer tor1: spec.afiSafis[1]: duplicate family AFI_IP"},
    {"peers.yaml", PEER CONF_OK "  afiSafis: [1]\n",
     "peers.yaml:9: BgpPeer tor1: spec.afiSafis[0]: must be a mapping"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
                  "      addPaths:\n        config:\n          sendMax: -1\n",
     "peers.yaml:14: BgpPeer tor1: spec.afiSafis[0].addPaths.config.sendMax: must be "
     "0..4294967295"},
    /* prefixLimits: GoBGP's API shape (no config wrapper), maxPrefixes only */
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
                  "      prefixLimits:\n        maxPrefixes: -1\n",
     "peers.yaml:13: BgpPeer tor1: spec.afiSafis[0].prefixLimits.maxPrefixes: must be "
     "0..4294967295"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
                  "      prefixLimits:\n        maxPrefixes: 4294967296\n",
     "peers.yaml:13: BgpPeer tor1: spec.afiSafis[0].prefixLimits.maxPrefixes: must be "
     "0..4294967295"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
                  "      prefixLimits:\n        maxPrefixes: \"100\"\n",
     "peers.yaml:13: BgpPeer tor1: spec.afiSafis[0].prefixLimits.maxPrefixes: must be an "
     "integer"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
                  "      prefixLimits:\n        config: {maxPrefixes: 100}\n",
     "peers.yaml:13: BgpPeer tor1: spec.afiSafis[0].prefixLimits.config: unknown field"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
                  "      prefixLimits:\n        shutdownThresholdPct: 80\n",
     "peers.yaml:13: BgpPeer tor1: spec.afiSafis[0].prefixLimits.shutdownThresholdPct: unknown "
     "field"},
    {"peers.yaml",
     PEER CONF_OK "  afiSafis:\n    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
                  "      prefixLimits: 100\n",
     "peers.yaml:12: BgpPeer tor1: spec.afiSafis[0].prefixLimits: must be a mapping"},
    {"peers.yaml", PEER CONF_OK "  gracefulRestart:\n    enabled: true\n    restartTime: 4096\n",
     "peers.yaml:11: BgpPeer tor1: spec.gracefulRestart.restartTime: must be 0..4095"},
    {"peers.yaml",
     PEER CONF_OK "  nodeSelector:\n    matchExpressions:\n      - {key: rack, operator: Foo}\n",
     "peers.yaml:11: BgpPeer tor1: spec.nodeSelector.matchExpressions[0].operator: must be In, "
     "NotIn, Exists or DoesNotExist"},
    {"peers.yaml",
     PEER CONF_OK "  nodeSelector:\n    matchExpressions:\n      - {key: rack, operator: In}\n",
     "peers.yaml:11: BgpPeer tor1: spec.nodeSelector.matchExpressions[0].values: must not be "
     "empty for In"},
    {"peers.yaml",
     PEER CONF_OK "  nodeSelector:\n    matchExpressions:\n"
                  "      - {key: rack, operator: Exists, values: [a]}\n",
     "peers.yaml:11: BgpPeer tor1: spec.nodeSelector.matchExpressions[0].values: must be empty "
     "for Exists"},
    {"peers.yaml",
     PEER CONF_OK "  nodeSelector:\n    matchExpressions:\n      - {operator: Exists}\n",
     "peers.yaml:11: BgpPeer tor1: spec.nodeSelector.matchExpressions[0].key: required"},
    {"peers.yaml",
     PEER CONF_OK "  nodeSelector:\n    matchLabels:\n      openelb.kubesphere.io/rack: 1\n",
     "peers.yaml:11: BgpPeer tor1: spec.nodeSelector.matchLabels[\"openelb.kubesphere.io/rack\"]: "
     "must be a string"},
    {"peers.yaml", PEER CONF_OK "  nodeSelector:\n    nodeName: n1\n",
     "peers.yaml:10: BgpPeer tor1: spec.nodeSelector.nodeName: unknown field"},

    /* spec.bfd (berth): every range edge just outside, wrong types,
     * hostile numbers; the field is on line 11 */
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: 9\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: 60001\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: 0\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: -300\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: -9223372036854775809\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: 4294967596\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: 99999999999999999999999\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: 1e300\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: 300.5\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be an integer"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: -1.0\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: \"300\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be an integer"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: 300ms\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be an integer"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: [300]\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be an integer"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveInterval: true\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveInterval: must be an integer"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    transmitInterval: 9\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.transmitInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    transmitInterval: 60001\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.transmitInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    transmitInterval: -1\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.transmitInterval: must be 10..60000 (ms)"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    transmitInterval: 0.1\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.transmitInterval: must be an integer"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    transmitInterval: fast\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.transmitInterval: must be an integer"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    detectMultiplier: 1\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.detectMultiplier: must be 2..255"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    detectMultiplier: 256\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.detectMultiplier: must be 2..255"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    detectMultiplier: 0\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.detectMultiplier: must be 2..255"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    detectMultiplier: -3\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.detectMultiplier: must be 2..255"},
    /* 2^32 + 3: would be 3 if truncated to 32 bits */
    {"peers.yaml", PEER CONF_OK BFD_ON "    detectMultiplier: 4294967299\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.detectMultiplier: must be 2..255"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    detectMultiplier: 2.5\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.detectMultiplier: must be an integer"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    detectMultiplier: \"3\"\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.detectMultiplier: must be an integer"},
    {"peers.yaml", PEER CONF_OK "  bfd:\n    enabled: \"true\"\n",
     "peers.yaml:10: BgpPeer tor1: spec.bfd.enabled: must be true or false"},
    {"peers.yaml", PEER CONF_OK "  bfd:\n    enabled: 1\n",
     "peers.yaml:10: BgpPeer tor1: spec.bfd.enabled: must be true or false"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    strict: yes\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.strict: must be true or false"},
    {"peers.yaml", PEER CONF_OK "  bfd: true\n",
     "peers.yaml:9: BgpPeer tor1: spec.bfd: must be a mapping"},
    {"peers.yaml", PEER CONF_OK "  bfd: [enabled]\n",
     "peers.yaml:9: BgpPeer tor1: spec.bfd: must be a mapping"},
    {"peers.yaml", PEER CONF_OK "  bfd: \"enabled\"\n",
     "peers.yaml:9: BgpPeer tor1: spec.bfd: must be a mapping"},
    /* no Echo function, no authentication, no profiles: refused, not
     * silently ignored */
    {"peers.yaml", PEER CONF_OK BFD_ON "    echoInterval: 50\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.echoInterval: unknown field"},
    {"peers.yaml", PEER CONF_OK BFD_ON "    receiveinterval: 300\n",
     "peers.yaml:11: BgpPeer tor1: spec.bfd.receiveinterval: unknown field"},
    {"peers.yaml", PEER CONF_OK "  bfd:\n    profile: fast\n",
     "peers.yaml:10: BgpPeer tor1: spec.bfd.profile: unknown field"},

    /* ---- BgpConf ---- */
    {"conf.yaml", CONF "  listenPort: 179\n", "conf.yaml:6: BgpConf default: spec.as: required"},
    {"conf.yaml", CONF "  as: 0\n", "conf.yaml:6: BgpConf default: spec.as: must be 1..4294967295"},
    {"conf.yaml", CONF "  as: -5\n",
     "conf.yaml:6: BgpConf default: spec.as: must be 1..4294967295"},
    {"conf.yaml", CONF "  as: 65000\n  routerId: 2001:db8::1\n",
     "conf.yaml:7: BgpConf default: spec.routerId: \"2001:db8::1\" is not a non-zero IPv4 address"},
    {"conf.yaml", CONF "  as: 65000\n  routerId: 0.0.0.0\n",
     "conf.yaml:7: BgpConf default: spec.routerId: \"0.0.0.0\" is not a non-zero IPv4 address"},
    {"conf.yaml", CONF "  as: 65000\n  listenPort: 70000\n",
     "conf.yaml:7: BgpConf default: spec.listenPort: must be -1..65535"},
    {"conf.yaml", CONF "  as: 65000\n  families: [65537, 1]\n",
     "conf.yaml:7: BgpConf default: spec.families[1]: must be 65537 (IPv4 unicast) or 131073 "
     "(IPv6 unicast)"},
    {"conf.yaml", CONF "  as: 65000\n  families: [65537, 65537]\n",
     "conf.yaml:7: BgpConf default: spec.families[1]: duplicate family 65537"},
    {"conf.yaml", CONF "  as: 65000\n  asPerRack:\n    leaf1: 0\n",
     "conf.yaml:8: BgpConf default: spec.asPerRack.leaf1: must be 1..4294967295"},
    {"conf.yaml", CONF "  as: 65000\n  listenAddresses: [192.0.2.1, any]\n",
     "conf.yaml:7: BgpConf default: spec.listenAddresses[1]: \"any\" is not an IP address"},
    {"conf.yaml", CONF "  as: 65000\n  gracefulRestart:\n    deferralTime: 65536\n",
     "conf.yaml:8: BgpConf default: spec.gracefulRestart.deferralTime: must be 0..65535"},
    {"conf.yaml", CONF "  as: 65000\n  port: 179\n",
     "conf.yaml:7: BgpConf default: spec.port: unknown field"},
    {"conf.yaml", HEAD("BgpConf", "bgp") "  as: 65000\n",
     "conf.yaml:1: BgpConf bgp: metadata.name: must be \"default\" (OpenELB reads no other "
     "BgpConf)"},
    {"conf.yaml",
     "apiVersion: network.kubesphere.io/v1alpha2\nkind: BgpConf\nmetadata:\n  name: default\n",
     "conf.yaml:1: BgpConf default: spec: required"},
    {"conf.yaml", CONF "  as: 65000\nstatus: []\n",
     "conf.yaml:7: BgpConf default: status: must be a mapping"},

    /* ---- Eip ---- */
    {"eips.yaml", EIP "  protocol: bgp\n", "eips.yaml:6: Eip pool: spec.address: required"},
    {"eips.yaml", EIP "  address: 192.0.2.300\n",
     "eips.yaml:6: Eip pool: spec.address: \"192.0.2.300\" is not an IP address, CIDR or "
     "first-last range"},
    {"eips.yaml", EIP "  address: 192.0.2.10-192.0.2.1\n",
     "eips.yaml:6: Eip pool: spec.address: \"192.0.2.10-192.0.2.1\" starts after its end"},
    {"eips.yaml", EIP "  address: 192.0.2.1-2001:db8::1\n",
     "eips.yaml:6: Eip pool: spec.address: \"192.0.2.1-2001:db8::1\" mixes IPv4 and IPv6"},
    {"eips.yaml", EIP "  address: 192.0.2.0/33\n",
     "eips.yaml:6: Eip pool: spec.address: \"192.0.2.0/33\" has a prefix length out of range"},
    {"eips.yaml", EIP "  address: 2001:db8::/129\n",
     "eips.yaml:6: Eip pool: spec.address: \"2001:db8::/129\" has a prefix length out of range"},
    {"eips.yaml", EIP "  address: 192.0.2.0/\n",
     "eips.yaml:6: Eip pool: spec.address: \"192.0.2.0/\" has a prefix length out of range"},
    {"eips.yaml", EIP "  address: 192.0.2.1-\n",
     "eips.yaml:6: Eip pool: spec.address: \"192.0.2.1-\" is not an IP address, CIDR or first-last "
     "range"},
    {"eips.yaml", EIP "  address: 192.0.2.0/24\n  protocol: ospf\n",
     "eips.yaml:7: Eip pool: spec.protocol: must be bgp, layer2 or vip"},
    {"eips.yaml", EIP "  address: 192.0.2.0/24\n  protocol: layer2\n",
     "eips.yaml:6: Eip pool: spec.interface: required when protocol is layer2"},
    {"eips.yaml", EIP "  address: 192.0.2.0/24\n  priority: high\n",
     "eips.yaml:7: Eip pool: spec.priority: must be an integer"},
    {"eips.yaml", EIP "  address: 192.0.2.0/24\n  namespaces: [a, 1]\n",
     "eips.yaml:7: Eip pool: spec.namespaces[1]: must be a string"},
    {"eips.yaml", EIP "  address: 192.0.2.0/24\nstatus:\n  inUse: true\n",
     "eips.yaml:8: Eip pool: status.inUse: unknown field"},
    {"eips.yaml", EIP "  address: 192.0.2.0/24\nstatus:\n  usage: -1\n",
     "eips.yaml:8: Eip pool: status.usage: must be 0..9223372036854775807"},
    {"eips.yaml",
     EIP
     "  address: 192.0.2.0/24\n---\n" HEAD("Eip", "pool2") "  address: 192.0.2.100-192.0.2.110\n",
     "eips.yaml:8: Eip pool2: spec.address: overlaps Eip pool (192.0.2.0/24) at eips.yaml:1"},
    {"eips.yaml", EIP "  address: 192.0.2.0/24\n---\n" EIP "  address: 198.51.100.0/24\n",
     "eips.yaml:8: Eip pool: duplicate object (also defined at eips.yaml:1)"},
    {"eips.yaml",
     "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: a\n"
     "  annotations: {eip.openelb.kubesphere.io/is-default-eip: \"true\"}\nspec:\n"
     "  address: 192.0.2.0/24\n---\n"
     "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: b\n"
     "  annotations: {eip.openelb.kubesphere.io/is-default-eip: \"true\"}\nspec:\n"
     "  address: 198.51.100.0/24\n",
     "eips.yaml:9: Eip b: metadata.annotations[\"eip.openelb.kubesphere.io/is-default-eip\"]: "
     "Eip a is already the default IPv4 pool"},
    {"eips.yaml",
     "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: a\n"
     "  annotations: {eip.openelb.kubesphere.io/is-default-eip: \"true\"}\nspec:\n"
     "  address: 2001:db8::/64\n---\n"
     "apiVersion: network.kubesphere.io/v1alpha2\nkind: Eip\nmetadata:\n  name: b\n"
     "  annotations: {eip.openelb.kubesphere.io/is-default-eip: \"true\"}\nspec:\n"
     "  address: 2001:db8:1::/64\n",
     "eips.yaml:9: Eip b: metadata.annotations[\"eip.openelb.kubesphere.io/is-default-eip\"]: "
     "Eip a is already the default IPv6 pool"},

    /* ---- Service (core: unknown fields ignored, used fields checked) ---- */
    {"svc.yaml", SVC "  type: Foo\n",
     "svc.yaml:6: Service default/web: spec.type: must be ClusterIP, NodePort, LoadBalancer or "
     "ExternalName"},
    {"svc.yaml", SVC "  ports:\n    - port: 0\n",
     "svc.yaml:7: Service default/web: spec.ports[0].port: must be 1..65535"},
    {"svc.yaml", SVC "  ports:\n    - name: http\n",
     "svc.yaml:7: Service default/web: spec.ports[0].port: required"},
    {"svc.yaml", SVC "  ports:\n    - port: 80\n      protocol: ICMP\n",
     "svc.yaml:8: Service default/web: spec.ports[0].protocol: must be TCP, UDP or SCTP"},
    {"svc.yaml", SVC "  ipFamilies: [IPv4, IPv4]\n",
     "svc.yaml:6: Service default/web: spec.ipFamilies[1]: duplicate family"},
    {"svc.yaml", SVC "  loadBalancerIP: 203.0.113.999\n",
     "svc.yaml:6: Service default/web: spec.loadBalancerIP: \"203.0.113.999\" is not an IP "
     "address"},
    {"svc.yaml",
     "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nstatus:\n"
     "  loadBalancer:\n    ingress:\n      - ip: 203.0.113.1\n      - ip: lb.example\n",
     "svc.yaml:10: Service shop/web: status.loadBalancer.ingress[1].ip: \"lb.example\" is not an "
     "IP address"},

    /* ---- Node ---- */
    {"nodes.yaml", NODE "  addresses:\n    - address: 192.0.2.11\n",
     "nodes.yaml:7: Node n1: status.addresses[0].type: required"},
    {"nodes.yaml", NODE "  conditions:\n    - type: Ready\n      status: Maybe\n",
     "nodes.yaml:8: Node n1: status.conditions[0].status: must be Unknown, True or False"},
    {"nodes.yaml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\nspec:\n  unschedulable: 1\n",
     "nodes.yaml:6: Node n1: spec.unschedulable: must be true or false"},

    /* ---- Documents and kinds ---- */
    {"x.yaml", "metadata: {name: a}\n", "x.yaml:1: kind: required"},
    {"x.yaml", "kind: [Eip]\n", "x.yaml:1: kind: must be a string"},
    {"x.yaml", "hello\n", "x.yaml: must be a mapping (a Kubernetes object)"},
    {"x.yaml", "- kind: Eip\n", "x.yaml:1: must be a mapping (a Kubernetes object)"},
    {"x.yaml",
     "apiVersion: network.kubesphere.io/v1alpha2\nkind: DefinedSet\nmetadata: {name: a}\n",
     "x.yaml:2: kind: \"DefinedSet\" is not supported"},
    {"x.yaml", "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: a}\n",
     "x.yaml:1: Service: apiVersion: must be v1"},
    {"x.yaml", "kind: List\nitems:\n  - kind: List\n    items: []\n",
     "x.yaml:3: lists inside lists are not supported"},
    {"x.yaml", "kind: List\nitems: {}\n", "x.yaml:2: items: must be a list"},
    {"x.yaml", "kind: EipList\nitems:\n  - metadata: {name: a}\n    spec: {address: bad}\n",
     "x.yaml:4: Eip a: spec.address: \"bad\" is not an IP address, CIDR or first-last range"},
};

static void test_bad_objects(void **state)
{
	size_t failed = 0;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct cfg_set s;
		struct cfg_error err;
		int rc;

		cfg_set_init(&s);
		rc = cfg_manifest_load_buf(c->file, c->yaml, strlen(c->yaml), &s, &err);
		/* report every mismatch, not only the first */
		if (rc != -EINVAL || strcmp(err.msg, c->msg) != 0) {
			print_error("case %zu: rc %d\n  got:  %s\n  want: %s\n", i, rc, err.msg,
			            c->msg);
			failed++;
		}
		/* nothing reached the set */
		assert_null(s.bgp_conf);
		assert_int_equal(s.n_peers + s.n_eips + s.n_services + s.n_nodes + s.n_skipped, 0);
	}
	assert_int_equal(failed, 0);
}

static void load_ok(const char *yaml, struct cfg_set *s)
{
	struct cfg_error err;
	int rc;

	cfg_set_init(s);
	rc = cfg_manifest_load_buf("ok.yaml", yaml, strlen(yaml), s, &err);
	if (rc != 0)
		fail_msg("load failed: %s", err.msg);
}

static void test_peer_defaults_and_limits(void **state)
{
	struct cfg_set s;
	const struct cfg_bgp_peer *p;

	load_ok(PEER CONF_OK, &s);
	p = &s.peers[0];
	assert_int_equal(p->conf.peer_as, 65001);
	assert_int_equal(p->conf.neighbor_address.family, AF_INET);
	assert_memory_equal(p->conf.neighbor_address.bytes, "\xc0\x00\x02\x05", 4);
	assert_int_equal(p->timers.hold_time, CFG_DEFAULT_HOLD_TIME);
	assert_int_equal(p->timers.keepalive_interval, CFG_DEFAULT_HOLD_TIME / 3);
	assert_int_equal(p->timers.connect_retry, CFG_DEFAULT_CONNECT_RETRY);
	assert_int_equal(p->transport.remote_port, CFG_DEFAULT_BGP_PORT);
	assert_false(p->ebgp_multihop.enabled);
	assert_int_equal(p->ebgp_multihop.multihop_ttl, 0);
	assert_int_equal(p->n_node_selectors, 0);
	assert_int_equal(p->n_afi_safis, 0);
	assert_null(p->conf.auth_password);
	assert_null(p->meta.ns);
	cfg_set_fini(&s);

	/* the edges of every range are accepted */
	load_ok(
	    PEER
	    "  conf:\n    peerAs: 4294967295\n    neighborAddress: 2001:db8::1\n"
	    "    authPassword: "
	    "\"12345678901234567890123456789012345678901234567890123456789012345678901234567890\"\n"
	    "    localAs: 1\n"
	    "  ebgpMultihop:\n    enabled: true\n"
	    "  timers:\n    config:\n      holdTime: 3\n      keepaliveInterval: \"2\"\n"
	    "      connectRetry: \"65535\"\n      minimumAdvertisementInterval: 0\n"
	    "  transport:\n    remotePort: 65535\n    tcpMss: 1400\n",
	    &s);
	p = &s.peers[0];
	assert_int_equal(p->conf.peer_as, 4294967295u);
	assert_int_equal(p->conf.local_as, 1);
	assert_int_equal(p->conf.neighbor_address.family, AF_INET6);
	assert_int_equal(strlen(p->conf.auth_password), CFG_MD5_KEY_MAX);
	/* enabled without a TTL: GoBGP's 255 */
	assert_int_equal(p->ebgp_multihop.multihop_ttl, 255);
	assert_int_equal(p->timers.hold_time, 3);
	assert_int_equal(p->timers.keepalive_interval, 2);
	assert_int_equal(p->timers.connect_retry, 65535);
	assert_int_equal(p->transport.remote_port, 65535);
	assert_int_equal(p->transport.tcp_mss, 1400);
	cfg_set_fini(&s);

	/* idleHoldTimeAfterReset: a string like the other timers, or an
	 * integer; its edges; "" is absent, 0 (the speaker's default) */
	load_ok(PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: \"65535\"\n",
	        &s);
	assert_int_equal(s.peers[0].timers.idle_hold_after_reset, 65535);
	cfg_set_fini(&s);
	load_ok(PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: 1\n", &s);
	assert_int_equal(s.peers[0].timers.idle_hold_after_reset, 1);
	cfg_set_fini(&s);
	load_ok(PEER CONF_OK "  timers:\n    config:\n      idleHoldTimeAfterReset: \"\"\n", &s);
	assert_int_equal(s.peers[0].timers.idle_hold_after_reset, 0);
	cfg_set_fini(&s);

	/* prefixLimits per family; 0 is absent (Go's omitempty) */
	load_ok(PEER CONF_OK
	        "  afiSafis:\n    - config:\n        family: {afi: AFI_IP6, safi: SAFI_UNICAST}\n"
	        "      prefixLimits:\n        maxPrefixes: 4294967295\n"
	        "    - config:\n        family: {afi: AFI_IP, safi: SAFI_UNICAST}\n"
	        "      prefixLimits: {maxPrefixes: 0}\n",
	        &s);
	assert_int_equal(s.peers[0].afi_safis[0].af, BGP_AF_IPV6);
	assert_int_equal(s.peers[0].afi_safis[0].max_prefixes, 4294967295u);
	assert_int_equal(s.peers[0].afi_safis[1].max_prefixes, 0);
	cfg_set_fini(&s);

	/* holdTime 0: no keepalives; "" is OpenELB's omitted value */
	load_ok(PEER CONF_OK
	        "  timers:\n    config:\n      holdTime: \"0\"\n      connectRetry: \"\"\n",
	        &s);
	assert_int_equal(s.peers[0].timers.hold_time, 0);
	assert_int_equal(s.peers[0].timers.keepalive_interval, 0);
	assert_int_equal(s.peers[0].timers.connect_retry, CFG_DEFAULT_CONNECT_RETRY);
	cfg_set_fini(&s);

	/* nulls are absent fields, as in Kubernetes */
	load_ok(PEER CONF_OK "  timers: null\n  transport:\n  nodeSelector: ~\n", &s);
	assert_int_equal(s.peers[0].timers.hold_time, CFG_DEFAULT_HOLD_TIME);
	assert_int_equal(s.peers[0].n_node_selectors, 0);
	cfg_set_fini(&s);

	/* an empty selector is present and matches every node */
	load_ok(PEER CONF_OK "  nodeSelector: {}\n", &s);
	assert_int_equal(s.peers[0].n_node_selectors, 1);
	assert_true(s.peers[0].node_selectors[0].present);
	assert_true(cfg_selectors_match(s.peers[0].node_selectors, 1, NULL));
	cfg_set_fini(&s);
}

static void test_peer_bfd(void **state)
{
	struct cfg_set s;
	const struct cfg_bfd *b;

	/* absent, or null as Kubernetes reads it: nothing */
	load_ok(PEER CONF_OK, &s);
	b = &s.peers[0].bfd;
	assert_false(b->present);
	assert_false(b->enabled);
	cfg_set_fini(&s);
	load_ok(PEER CONF_OK "  bfd: null\n", &s);
	assert_false(s.peers[0].bfd.present);
	cfg_set_fini(&s);

	/* enabled alone: the defaults */
	load_ok(PEER CONF_OK BFD_ON, &s);
	b = &s.peers[0].bfd;
	assert_true(b->present);
	assert_true(b->enabled);
	assert_int_equal(b->receive_interval, CFG_DEFAULT_BFD_INTERVAL);
	assert_int_equal(b->transmit_interval, CFG_DEFAULT_BFD_INTERVAL);
	assert_int_equal(b->detect_multiplier, CFG_DEFAULT_BFD_MULT);
	assert_false(b->strict);
	assert_int_equal(CFG_DEFAULT_BFD_INTERVAL, 300);
	assert_int_equal(CFG_DEFAULT_BFD_MULT, 3);
	cfg_set_fini(&s);

	/* an empty mapping: present, not enabled, defaults filled in */
	load_ok(PEER CONF_OK "  bfd: {}\n", &s);
	b = &s.peers[0].bfd;
	assert_true(b->present);
	assert_false(b->enabled);
	assert_int_equal(b->receive_interval, 300);
	assert_int_equal(b->detect_multiplier, 3);
	cfg_set_fini(&s);

	/* every field, the low edges */
	load_ok(PEER CONF_OK BFD_ON "    receiveInterval: 10\n    transmitInterval: 10\n"
	                            "    detectMultiplier: 2\n    strict: true\n",
	        &s);
	b = &s.peers[0].bfd;
	assert_int_equal(b->receive_interval, 10);
	assert_int_equal(b->transmit_interval, 10);
	assert_int_equal(b->detect_multiplier, 2);
	assert_true(b->strict);
	cfg_set_fini(&s);

	/* the high edges, each field on its own (the others keep defaults) */
	load_ok(PEER CONF_OK "  bfd: {enabled: false, receiveInterval: 60000, strict: false}\n",
	        &s);
	b = &s.peers[0].bfd;
	assert_false(b->enabled);
	assert_int_equal(b->receive_interval, 60000);
	assert_int_equal(b->transmit_interval, 300);
	assert_int_equal(b->detect_multiplier, 3);
	cfg_set_fini(&s);
	load_ok(PEER CONF_OK BFD_ON "    transmitInterval: 60000\n", &s);
	assert_int_equal(s.peers[0].bfd.transmit_interval, 60000);
	assert_int_equal(s.peers[0].bfd.receive_interval, 300);
	cfg_set_fini(&s);
	load_ok(PEER CONF_OK BFD_ON "    detectMultiplier: 255\n", &s);
	assert_int_equal(s.peers[0].bfd.detect_multiplier, 255);
	cfg_set_fini(&s);

	/* nulls inside are absent too; a whole float is the integer (as
	 * every other integer field of the decoder) */
	load_ok(PEER CONF_OK BFD_ON "    receiveInterval: ~\n    transmitInterval: 1000.0\n", &s);
	assert_int_equal(s.peers[0].bfd.receive_interval, 300);
	assert_int_equal(s.peers[0].bfd.transmit_interval, 1000);
	cfg_set_fini(&s);
}

static void test_conf_values(void **state)
{
	struct cfg_set s;
	const struct cfg_bgp_conf *c;
	uint32_t id = 0;

	load_ok(CONF "  as: 65000\n", &s);
	c = s.bgp_conf;
	assert_non_null(c);
	assert_int_equal(c->as, 65000);
	assert_int_equal(c->listen_port, CFG_DEFAULT_BGP_PORT);
	assert_false(c->has_router_id);
	assert_false(cfg_bgp_conf_node_router_id(c, NULL, &id));
	cfg_set_fini(&s);

	load_ok(CONF "  as: 65000\n  listenPort: -1\n  routerId: 192.0.2.2\n"
	             "  listenAddresses: [192.0.2.2, \"2001:db8::2\"]\n  useMultiplePaths: true\n"
	             "  policy: p1\n",
	        &s);
	c = s.bgp_conf;
	assert_int_equal(c->listen_port, -1);
	assert_true(c->has_router_id);
	assert_int_equal(c->router_id, 0xc0000202);
	assert_int_equal(c->n_listen_addresses, 2);
	assert_int_equal(c->listen_addresses[1].family, AF_INET6);
	assert_true(c->use_multiple_paths);
	assert_string_equal(c->policy, "p1");
	assert_true(cfg_bgp_conf_node_router_id(c, NULL, &id));
	assert_int_equal(id, 0xc0000202);
	cfg_set_fini(&s);
}

static void test_eip_addresses(void **state)
{
	static const struct {
		const char *in;
		const char *first, *last;
	} ok[] = {
	    {"192.0.2.7", "192.0.2.7", "192.0.2.7"},
	    {"192.0.2.0/24", "192.0.2.0", "192.0.2.255"},
	    /* host bits allowed, as net.ParseCIDR does */
	    {"192.0.2.77/28", "192.0.2.64", "192.0.2.79"},
	    {"192.0.2.1/32", "192.0.2.1", "192.0.2.1"},
	    {"0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
	    {"198.51.100.91-198.51.100.100", "198.51.100.91", "198.51.100.100"},
	    {"198.51.100.5-198.51.100.5", "198.51.100.5", "198.51.100.5"},
	    {"2001:db8::/64", "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff"},
	    {"2001:db8::1:0/113", "2001:db8::1:0", "2001:db8::1:7fff"},
	    {"2001:db8::10-2001:db8::ff", "2001:db8::10", "2001:db8::ff"},
	};
	static const char *const bad[] = {"",
	                                  "192.0.2",
	                                  "192.0.2.1/24/1",
	                                  "192.0.2.1/-1",
	                                  "192.0.2.1/+8",
	                                  "192.0.2.1 ",
	                                  " 192.0.2.1",
	                                  "192.0.2.1-192.0.2.2-192.0.2.3",
	                                  "01.2.3.4",
	                                  "::ffff:1:2:3:4:5:6:7"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct core_addr f, l, wf, wl;
		const char *why = NULL;

		if (cfg_eip_parse_address(ok[i].in, &f, &l, &why) != 0)
			fail_msg("%s: %s", ok[i].in, why);
		assert_int_equal(inet_pton(f.family, ok[i].first, wf.bytes), 1);
		assert_int_equal(inet_pton(l.family, ok[i].last, wl.bytes), 1);
		assert_memory_equal(f.bytes, wf.bytes, core_af_len(f.family));
		assert_memory_equal(l.bytes, wl.bytes, core_af_len(l.family));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct core_addr f, l;
		const char *why = NULL;

		if (cfg_eip_parse_address(bad[i], &f, &l, &why) == 0)
			fail_msg("accepted %s", bad[i]);
		assert_non_null(why);
	}
}

static void test_json_objects(void **state)
{
	/* API server objects: no file, no lines, same messages */
	json_error_t jerr;
	json_t *o =
	    json_loads("{\"apiVersion\": \"network.kubesphere.io/v1alpha2\", \"kind\": "
	               "\"BgpPeer\", \"metadata\": {\"name\": \"tor1\", \"uid\": \"u1\", "
	               "\"resourceVersion\": \"7\", \"managedFields\": []}, \"spec\": "
	               "{\"conf\": {\"peerAs\": 65001, \"neighborAddress\": \"192.0.2.5\"}}, "
	               "\"status\": {\"nodesPeerStatus\": {}}}",
	               0, &jerr);
	struct cfg_bgp_peer p;
	struct cfg_eip e;
	struct cfg_error err;

	assert_non_null(o);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_bgp_peer_decode(o, &p, &err), 0);
	assert_string_equal(p.meta.uid, "u1");
	assert_string_equal(p.meta.resource_version, "7");
	assert_null(p.meta.source);
	cfg_bgp_peer_fini(&p);
	assert_null(p.meta.name); /* _fini leaves it zeroed */

	json_object_set_new(json_object_get(json_object_get(o, "spec"), "conf"), "peerAs",
	                    json_integer(0));
	assert_int_equal(cfg_bgp_peer_decode(o, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "BgpPeer tor1: spec.conf.peerAs: must be 1..4294967295");
	assert_string_equal(err.path, "spec.conf.peerAs");
	assert_int_equal(err.line, 0);

	/* the wrong decoder for the kind */
	assert_int_equal(cfg_eip_decode(o, &e, &err), -EINVAL);
	assert_string_equal(err.msg, "Eip: kind: must be Eip");
	json_decref(o);
}

/* An object's identity (name, namespace, uid) is one block: decoded,
 * set again (the old block goes: ASan sees a leak otherwise), trimmed,
 * and freed by the kind's _fini alone. */
static void test_meta_id(void **state)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:{s:s}}", "apiVersion", "v1", "kind",
	              "Service", "metadata", "name", "web", "namespace", "team", "uid", "0b1c",
	              "resourceVersion", "12", "spec", "type", "LoadBalancer");
	struct cfg_error err;
	struct cfg_service svc;

	(void)state;
	assert_non_null(o);
	cfg_error_init(&err, NULL, NULL);
	assert_int_equal(cfg_service_decode(o, &svc, &err), 0);
	assert_string_equal(svc.meta.name, "web");
	assert_string_equal(svc.meta.ns, "team");
	assert_string_equal(svc.meta.uid, "0b1c");
	/* one block, in that order */
	assert_ptr_equal(svc.meta.ns, svc.meta.name + strlen("web") + 1);
	assert_ptr_equal(svc.meta.uid, svc.meta.ns + strlen("team") + 1);
	cfg_service_trim(&svc);
	assert_string_equal(svc.meta.uid, "0b1c");
	assert_null(svc.meta.resource_version);

	assert_int_equal(cfg_meta_set_id(&svc.meta, "api", NULL, NULL), 0);
	assert_string_equal(svc.meta.name, "api");
	assert_null(svc.meta.ns);
	assert_null(svc.meta.uid);
	assert_int_equal(cfg_meta_set_id(&svc.meta, NULL, "team", "x"), -EINVAL);
	assert_string_equal(svc.meta.name, "api"); /* unchanged */
	cfg_service_fini(&svc);
	assert_null(svc.meta.name);

	/* absent namespace: "default", in the block too */
	json_object_del(json_object_get(o, "metadata"), "namespace");
	assert_int_equal(cfg_service_decode(o, &svc, &err), 0);
	assert_string_equal(svc.meta.ns, "default");
	assert_ptr_equal(svc.meta.ns, svc.meta.name + strlen("web") + 1);
	cfg_service_fini(&svc);
	json_decref(o);
}

/* OpenELB's protocol annotation, decoded: absent or "bgp" is BGP's, any
 * other value (layer2, vip, "", unknown) another speaker's. */
static void test_service_protocol(void **state)
{
	static const struct {
		const char *value; /* NULL: no annotation */
		bool bgp;
	} cases[] = {{NULL, true},   {"bgp", true}, {"layer2", false},
	             {"vip", false}, {"", false},   {"BGP", false}};
	struct cfg_error err;
	struct cfg_service svc;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *o = json_pack("{s:s, s:s, s:{s:s, s:{}}, s:{s:s}}", "apiVersion", "v1",
		                      "kind", "Service", "metadata", "name", "web", "annotations",
		                      "spec", "type", "LoadBalancer");

		if (cases[i].value)
			json_object_set_new(
			    json_object_get(json_object_get(o, "metadata"), "annotations"),
			    CFG_ANN_PROTOCOL, json_string(cases[i].value));
		cfg_error_init(&err, NULL, NULL);
		assert_int_equal(cfg_service_decode(o, &svc, &err), 0);
		assert_int_equal(svc.bgp, cases[i].bgp);
		/* trimmed, the annotations go and the decoded value stays */
		cfg_service_trim(&svc);
		assert_int_equal(svc.meta.annotations.n, 0);
		assert_int_equal(svc.bgp, cases[i].bgp);
		cfg_service_fini(&svc);
		json_decref(o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_service_protocol),
	    cmocka_unit_test(test_meta_id),
	    cmocka_unit_test(test_bad_objects),
	    cmocka_unit_test(test_peer_defaults_and_limits),
	    cmocka_unit_test(test_peer_bfd),
	    cmocka_unit_test(test_conf_values),
	    cmocka_unit_test(test_eip_addresses),
	    cmocka_unit_test(test_json_objects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
