// A minimal HTTP/1.1 endpoint for operators: GET routes answered with plain
// text (Prometheus scrapes /metrics, load balancers probe /health). One
// background thread, one request per connection; anything but a GET of a
// known path gets a 4xx answer. Not a general web server, on purpose.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace troupe::runtime {

/// Sends a raw HTTP `request` ("GET /x HTTP/1.0\r\n\r\n") to
/// 127.0.0.1:port and returns the whole answer, or "connect failed". For
/// tools and tests that read a member's status pages.
std::string http_request(uint16_t port, const std::string& request);

class http_endpoint {
public:
  struct response {
    int status = 200;
    std::string body;
    std::string content_type = "text/plain; charset=utf-8";
  };
  using handler = std::function<response()>;

  /// Listens on host:port (0: any free port). Throws std::runtime_error with a
  /// one-line reason if it cannot.
  http_endpoint(const std::string& host, uint16_t port, std::map<std::string, handler> routes);
  ~http_endpoint();
  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

  uint16_t port() const { return port_; }

  /// Adds (or replaces) a route while serving.
  void add_route(const std::string& path, handler h);

private:
  void serve();
  void answer(int fd);

  std::mutex routes_mtx_;
  std::map<std::string, handler> routes_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread thread_;
};

} // namespace troupe::runtime
