#include "troupe/runtime/tls.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "troupe/runtime/config.hpp"
#include "openssl_ptr.hpp"

namespace troupe::runtime {

namespace {

using namespace ossl;

struct file_closer {
  void operator()(FILE* f) const { std::fclose(f); }
};
using file_ptr = std::unique_ptr<FILE, file_closer>;

// Never prompts for a passphrase: an encrypted key is refused.
int no_passphrase(char*, int, int, void*) { return -1; }

file_ptr open_file(const char* flag, const std::string& path) {
  file_ptr f{std::fopen(path.c_str(), "r")};
  if (!f)
    throw config_error(std::string{flag} + ": cannot read " + path);
  return f;
}

x509_ptr read_cert(const char* flag, const std::string& path) {
  auto f = open_file(flag, path);
  x509_ptr cert{PEM_read_X509(f.get(), nullptr, no_passphrase, nullptr)};
  ERR_clear_error();
  if (!cert)
    throw config_error(std::string{flag} + ": " + path + " is not a PEM certificate");
  return cert;
}

// Blocks SIGPIPE while OpenSSL writes to a socket the peer may have closed,
// and swallows a SIGPIPE raised meanwhile (as CAF's OpenSSL module does).
class sigpipe_guard {
public:
  sigpipe_guard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &saved_);
  }
  ~sigpipe_guard() {
    timespec zero{};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }

private:
  sigset_t pipe_, saved_;
};

// A connected TCP socket, or -1 with `why` set.
int tcp_connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
                std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) {
    why = "cannot resolve " + host;
    return -1;
  }
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    int rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      rc = ::poll(&p, 1, static_cast<int>(timeout.count())) == 1
               && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0
             ? 0
             : -1;
    }
    if (rc != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    why = "cannot connect";
    return -1;
  }
  ::fcntl(fd, F_SETFL, 0);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

std::string reason_of_last_error() {
  auto e = ERR_peek_last_error();
  std::string reason = e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "error " + std::to_string(e)
                         : "connection closed by the peer";
  ERR_clear_error();
  if (reason == "wrong version number" || reason == "packet length too long")
    reason += " (is the peer running without TLS?)";
  return reason;
}

} // namespace

void validate_tls_files(const tls_files& files) {
  if (!files.enabled())
    return;
  if (files.cert.empty() || files.key.empty() || files.ca.empty()) {
    std::string missing = files.cert.empty() ? "--tls-cert" : files.key.empty() ? "--tls-key" : "--tls-ca";
    throw config_error("--tls-cert, --tls-key and --tls-ca go together (missing " + missing + ")");
  }
  auto cert = read_cert("--tls-cert", files.cert);
  pkey_ptr key;
  {
    auto f = open_file("--tls-key", files.key);
    key.reset(PEM_read_PrivateKey(f.get(), nullptr, no_passphrase, nullptr));
    ERR_clear_error();
  }
  if (!key)
    throw config_error("--tls-key: " + files.key + " is not an unencrypted PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    throw config_error("--tls-key: " + files.key + " does not belong to the certificate " + files.cert);
  }
  read_cert("--tls-ca", files.ca); // a clear error if it holds no certificate
  store_ptr store{X509_STORE_new()};
  if (X509_STORE_load_file(store.get(), files.ca.c_str()) != 1) {
    ERR_clear_error();
    throw config_error("--tls-ca: cannot load CA certificates from " + files.ca);
  }
  store_ctx_ptr ctx{X509_STORE_CTX_new()};
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  if (X509_verify_cert(ctx.get()) != 1) {
    auto why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    throw config_error("--tls-cert: " + files.cert + " does not verify against the CA in " + files.ca
                       + ": " + why);
  }
}

std::string tls_handshake_error(const std::string& host, uint16_t port, const tls_files& files,
                                std::chrono::milliseconds timeout) {
  sigpipe_guard guard;
  ERR_clear_error();
  auto prefix = "TLS handshake with " + host + ":" + std::to_string(port) + " failed: ";
  ctx_ptr ctx{SSL_CTX_new(TLS_client_method())};
  bool own_cert = !files.cert.empty();
  if (!ctx || (own_cert && SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert.c_str()) != 1)
      || (own_cert && SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(), SSL_FILETYPE_PEM) != 1)
      || SSL_CTX_load_verify_locations(ctx.get(), files.ca.c_str(), nullptr) != 1)
    return prefix + "cannot load our own certificate: " + reason_of_last_error();
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  std::string why;
  int fd = tcp_connect(host, port, timeout, why);
  if (fd < 0)
    return prefix + why;
  ssl_ptr ssl{SSL_new(ctx.get())};
  SSL_set_fd(ssl.get(), fd);
  std::string result;
  if (SSL_connect(ssl.get()) != 1) {
    auto verify = SSL_get_verify_result(ssl.get());
    result = verify != X509_V_OK
               ? prefix + "certificate verify failed (" + X509_verify_cert_error_string(verify) + ")"
               : prefix + reason_of_last_error();
  } else {
    // TLS 1.3: the server checks our certificate after we finished; its
    // verdict is the first record we read (an alert, or CAF's first bytes).
    // Silence until the timeout gives no verdict: reported as accepted.
    char byte;
    auto n = SSL_read(ssl.get(), &byte, 1);
    auto err = n > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl.get(), n);
    if (err == SSL_ERROR_SSL)
      result = prefix + reason_of_last_error();
    else if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL)
      result = prefix + "connection closed by the peer";
    ERR_clear_error();
  }
  ::close(fd);
  return result;
}

} // namespace troupe::runtime
