// Hooks around the four OpenSSL calls CAF 0.17.6's OpenSSL module makes
// (SSL_accept, SSL_connect, SSL_read, SSL_write), interposed by defining
// them here: the executable's definitions win over libssl's for
// libcaf_openssl's calls, and each forwards to libssl's (dlsym RTLD_NEXT).
//
// Why: CAF never empties the thread's OpenSSL error queue after a failed
// handshake (it reads it only in log statements Debian compiles out), and
// OpenSSL's SSL_get_error reports any stale entry as a fatal error of the
// *next* call on that thread. One stranger's refused handshake thus closed
// an established link at its next read. Emptying the queue before each
// call is what OpenSSL's documentation asks of callers. SSL_accept also
// records each refused handshake with the peer's address, which CAF never
// reports (take_tls_refusals). See docs/caf-notes.md.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <sys/socket.h>

#include <cstdlib>
#include <cstdio>
#include <mutex>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "troupe/runtime/tls_refusals.hpp"

namespace troupe::runtime {

namespace {

constexpr size_t max_kept = 1000; // refusals between two take_tls_refusals

std::mutex refusals_mtx;
std::vector<tls_refusal> refusals;

template <class F>
F libssl(const char* name) {
  auto* f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
  if (!f) {
    std::fprintf(stderr, "troupe: %s not found in libssl\n", name);
    std::abort();
  }
  return f;
}

std::string peer_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return "unknown peer";
  char host[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* in = reinterpret_cast<sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
    port = ntohs(in->sin6_port);
  }
  return std::string{host} + ":" + std::to_string(port);
}

// The reason of a failed handshake on `s`, from the error queue (left in
// place: the caller's SSL_get_error still sees the failure).
std::string reason_of(const SSL* s, int err) {
  if (err == SSL_ERROR_SYSCALL)
    return "connection closed during the handshake";
  auto e = ERR_peek_last_error();
  std::string reason = e && ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "handshake failed";
  auto verify = SSL_get_verify_result(s);
  if (verify != X509_V_OK)
    reason += std::string{" ("} + X509_verify_cert_error_string(verify) + ")";
  return reason;
}

// Per accepted connection: the peer's address, taken at the first
// SSL_accept (a refused peer may be gone when the failure is seen), and
// whether its refusal was recorded (CAF calls SSL_accept again after a
// failure, for the pending write).
struct accept_info {
  std::string peer;
  bool recorded = false;
};

void free_accept_info(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<accept_info*>(ptr);
}

int accept_info_index() {
  static int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_accept_info);
  return index;
}

accept_info& info_of(SSL* s) {
  auto* info = static_cast<accept_info*>(SSL_get_ex_data(s, accept_info_index()));
  if (!info) {
    info = new accept_info{peer_of(SSL_get_fd(s))};
    SSL_set_ex_data(s, accept_info_index(), info);
  }
  return *info;
}

void record_refusal(SSL* s, int err) {
  auto& info = info_of(s);
  if (info.recorded)
    return;
  info.recorded = true;
  tls_refusal r{info.peer, reason_of(s, err)};
  std::lock_guard<std::mutex> guard{refusals_mtx};
  if (refusals.size() < max_kept)
    refusals.push_back(std::move(r));
}

} // namespace

std::vector<tls_refusal> take_tls_refusals() {
  std::lock_guard<std::mutex> guard{refusals_mtx};
  std::vector<tls_refusal> out;
  out.swap(refusals);
  return out;
}

} // namespace troupe::runtime

extern "C" {

int SSL_read(SSL* s, void* buf, int num) {
  static auto real = troupe::runtime::libssl<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(s, buf, num);
}

int SSL_write(SSL* s, const void* buf, int num) {
  static auto real = troupe::runtime::libssl<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(s, buf, num);
}

int SSL_connect(SSL* s) {
  static auto real = troupe::runtime::libssl<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(s);
}

int SSL_accept(SSL* s) {
  static auto real = troupe::runtime::libssl<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  troupe::runtime::info_of(s); // the peer's address while it is connected
  auto ret = real(s);
  if (ret <= 0) {
    auto err = SSL_get_error(s, ret);
    if (err == SSL_ERROR_SSL || err == SSL_ERROR_SYSCALL)
      troupe::runtime::record_refusal(s, err);
  }
  return ret;
}

} // extern "C"
