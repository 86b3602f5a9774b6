// TLS between nodes: the three files a process needs (its certificate, its
// private key, the CA that signed every member's certificate), checked with
// OpenSSL before anything listens, and a diagnostic handshake that says why
// a peer refused us. No CAF here: the CAF side is in actor_system_setup.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace troupe::runtime {

/// PEM files; all empty means plaintext. Either all three are set or none.
struct tls_files {
  std::string cert; // this process's certificate (chain), signed by `ca`
  std::string key;  // its private key (unencrypted PEM)
  std::string ca;   // the CA certificate every peer's certificate must chain to

  bool enabled() const { return !cert.empty() || !key.empty() || !ca.empty(); }
};

/// Checks that either none or all three are given, that each file is
/// readable PEM of the right kind, that the key belongs to the certificate
/// and that the certificate verifies against the CA. Throws config_error
/// with one line naming the flag and file.
void validate_tls_files(const tls_files& files);

/// Opens a TCP connection to host:port and runs a TLS handshake with
/// `files` as CAF's OpenSSL module would (mutual, verified against the CA),
/// then waits up to `timeout` for the peer's first bytes (a TLS 1.3 server
/// refuses a client certificate only after the client's handshake ended).
/// Returns "" if the peer accepted us, else why not, e.g. "TLS handshake
/// with 127.0.0.1:4801 failed: certificate verify failed (unable to get
/// local issuer certificate)". Without files.cert no client certificate is
/// offered (what a stranger would do). Blocking; for diagnostics after a
/// failed connect, never on a hot path.
std::string tls_handshake_error(const std::string& host, uint16_t port, const tls_files& files,
                                std::chrono::milliseconds timeout);

} // namespace troupe::runtime
