// TLS handshakes this process refused as the accepting side, recorded by
// the hooks around CAF's OpenSSL calls (src/core/openssl_hooks.cpp, which
// also empty OpenSSL's error queue before each call: docs/caf-notes.md).
#pragma once

#include <string>
#include <vector>

namespace troupe::runtime {

struct tls_refusal {
  std::string peer;   // "host:port" of the refused connection
  std::string reason; // OpenSSL's, e.g. "tlsv1 alert unknown ca"
};

/// The refusals since the last call (at most 1000 are kept in between).
std::vector<tls_refusal> take_tls_refusals();

} // namespace troupe::runtime
