// The status pages (/status, /log, /keeper) are JSON documents, written once
// by whoever owns the state and read by tools; people ask for ?format=text
// and get the same document as indented "key: value" lines. JSON stays out
// of this header: documents travel as their text.
#pragma once

#include <string>

#include "troupe/runtime/http_endpoint.hpp"

namespace troupe::runtime {

/// The answer to a GET of a JSON page: `json` as application/json, or with
/// ?format=text its text form. An unknown format is a 400 saying so.
http_endpoint::response json_page(const std::string& json, const http_endpoint::request& req);

/// `json` for people: one "key: value" line per member, nested objects and
/// arrays of objects indented under their key, arrays of scalars on one line.
/// Text that is not JSON is returned as it is.
std::string json_as_text(const std::string& json);

} // namespace troupe::runtime
