// The HTTP/1.1 endpoint for operators: GET routes (Prometheus scrapes
// /metrics, load balancers probe /health, tools read the JSON status pages).
// cpp-httplib serves it from a small thread pool, so a slow or silent client
// holds one worker, not the endpoint; anything but a GET of a known path gets
// a 4xx answer. The library stays behind this header (pimpl).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace troupe::runtime {

/// Sends a raw HTTP `request` ("GET /x HTTP/1.0\r\n\r\n", or garbage) to
/// 127.0.0.1:port and returns the whole answer, headers included, or
/// "connect failed". For tests that probe the endpoint's edges.
std::string http_request(uint16_t port, const std::string& request);

/// What a GET of 127.0.0.1:port`path` answered.
struct http_reply {
  int status = 0;
  std::string content_type;
  std::string body;
};

/// GETs `path` (with its query, if any) from 127.0.0.1:port; nullopt if no
/// answer came (nothing listening, connection lost, timeout). For tools and
/// tests that read a member's status pages.
std::optional<http_reply> http_get(uint16_t port, const std::string& path);

class http_endpoint {
public:
  struct request {
    std::string path;
    std::map<std::string, std::string> params; // the query string's
  };
  struct response {
    int status = 200;
    std::string body;
    std::string content_type = "text/plain; charset=utf-8";
  };
  /// Runs on one of the endpoint's worker threads; an exception becomes a
  /// 503 with its message.
  using handler = std::function<response(const request&)>;

  /// Listens on host:port (0: any free port). Throws std::runtime_error with a
  /// one-line reason if it cannot.
  http_endpoint(const std::string& host, uint16_t port, std::map<std::string, handler> routes);
  ~http_endpoint();
  http_endpoint(const http_endpoint&) = delete;
  http_endpoint& operator=(const http_endpoint&) = delete;

  uint16_t port() const;

  /// Adds (or replaces) a route while serving.
  void add_route(const std::string& path, handler h);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace troupe::runtime
