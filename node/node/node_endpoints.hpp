// CCF's node frontend (/node/state, /node/network, /node/network/nodes,
// /node/version, /node/primary) and the built-in endpoints every frontend
// has (<prefix>/commit, <prefix>/tx, <prefix>/api).
#pragma once

#include <string>

#include "http/router.hpp"

namespace bankd::node {

class Node;

void RegisterNodeEndpoints(http::Router& router, Node& node);
// `prefix` is "/app", "/gov" or "/node". Register after the frontend's own
// endpoints: <prefix>/api documents what is registered by the time it runs.
void RegisterFrontendEndpoints(http::Router& router, const std::string& prefix);

}  // namespace bankd::node
