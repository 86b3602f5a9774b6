// Standard base64 (RFC 4648, alphabet A-Z a-z 0-9 + /, '=' padding), as
// java.util.Base64.getEncoder() which ZooKeeper's digest scheme uses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace troupe::keeper {

std::string base64_encode(std::string_view bytes);

// Strict decoding: length a multiple of 4, padding only at the end;
// std::nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace troupe::keeper
