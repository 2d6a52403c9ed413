"""The JSON fields of the built-in types, so that an unknown field in a
built-in object is dropped (and reported by field validation) as when the
real server decodes into Go structs. Levels not described here keep
whatever they hold (x-kubernetes-preserve-unknown-fields)."""

ANY = {"x-kubernetes-preserve-unknown-fields": True}


def obj(*names, **typed):
    """An object schema with the listed fields (free-form) and typed ones."""
    props = {n: ANY for n in names}
    props.update(typed)
    return {"type": "object", "properties": props}


def items(schema):
    return {"type": "array", "items": schema}


PORT_STATUS = obj("port", "protocol", "error")
SERVICE = obj(
    spec=obj("selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity",
             "loadBalancerIP", "loadBalancerSourceRanges", "externalName",
             "externalTrafficPolicy", "healthCheckNodePort", "publishNotReadyAddresses",
             "sessionAffinityConfig", "ipFamilies", "ipFamilyPolicy",
             "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy",
             "trafficDistribution",
             ports=items(obj("name", "protocol", "appProtocol", "port", "targetPort",
                             "nodePort"))),
    status=obj("conditions", loadBalancer=obj(ingress=items(obj(
        "ip", "hostname", "ipMode", ports=items(PORT_STATUS))))))
NAMESPACE = obj(spec=obj("finalizers"), status=obj("phase", "conditions"))
NODE = obj(spec=obj("podCIDR", "podCIDRs", "providerID", "unschedulable", "taints",
                    "configSource", "externalID"),
           status=obj("capacity", "allocatable", "phase", "conditions", "addresses",
                      "daemonEndpoints", "nodeInfo", "images", "volumesInUse",
                      "volumesAttached", "config", "runtimeHandlers", "features"))
ENDPOINTS = obj(subsets=items(obj("addresses", "notReadyAddresses", "ports")))
EVENT = obj("involvedObject", "reason", "message", "source", "firstTimestamp",
            "lastTimestamp", "count", "type", "eventTime", "series", "action", "related",
            "reportingComponent", "reportingInstance")
ENDPOINT_SLICE = obj("addressType",
                     endpoints=items(obj("addresses", "conditions", "hostname", "targetRef",
                                         "nodeName", "zone", "hints", "deprecatedTopology")),
                     ports=items(obj("name", "protocol", "port", "appProtocol")))
SECRET = obj("data", "stringData", "type", "immutable")
LEASE = obj(spec=obj("holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime",
                     "leaseTransitions", "strategy", "preferredHolder"))
CRD = obj("status", spec=obj("group", "names", "scope", "versions", "conversion",
                             "preserveUnknownFields", "selectableFields"))
