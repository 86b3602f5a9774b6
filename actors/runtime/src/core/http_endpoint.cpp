#include "troupe/runtime/http_endpoint.hpp"

#include <httplib.h>

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace troupe::runtime {

namespace {

// Enough for a scraper, a probe and a few people at once; a client that
// sends half a request holds one worker until the read timeout.
constexpr size_t worker_threads = 8;
constexpr time_t read_timeout_s = 5;

} // namespace

struct http_endpoint::impl {
  httplib::Server server;
  std::mutex routes_mtx;
  std::map<std::string, handler> routes;
  std::atomic<bool> done{false};
  int port = 0;
  std::thread thread;

  void answer(const httplib::Request& req, httplib::Response& res) {
    response r;
    if (req.method != "GET") {
      r = {405, "only GET is supported\n"};
    } else {
      handler h;
      {
        std::lock_guard<std::mutex> guard{routes_mtx};
        if (auto route = routes.find(req.path); route != routes.end())
          h = route->second;
      }
      if (!h) {
        r = {404, "unknown path " + req.path + "\n"};
      } else {
        request q{req.path, {req.params.begin(), req.params.end()}};
        try {
          r = h(q);
        } catch (const std::exception& e) {
          r = {503, std::string{e.what()} + "\n"};
        }
      }
    }
    res.status = r.status;
    res.set_content(r.body, r.content_type);
  }
};

http_endpoint::http_endpoint(const std::string& host, uint16_t port,
                             std::map<std::string, handler> routes)
  : impl_(std::make_unique<impl>()) {
  auto& d = *impl_;
  d.routes = std::move(routes);
  auto fail = [&](const std::string& what) {
    throw std::runtime_error("cannot serve HTTP on " + host + ":" + std::to_string(port) + ": " + what);
  };
  in_addr addr{};
  if (::inet_pton(AF_INET, host.c_str(), &addr) != 1)
    fail("not an IPv4 address");
  d.server.new_task_queue = [] { return new httplib::ThreadPool(worker_threads); };
  d.server.set_read_timeout(read_timeout_s, 0);
  // One request per connection, as curl and Prometheus are happy with: an
  // idle keep-alive connection would otherwise hold a worker.
  d.server.set_keep_alive_max_count(1);
  // Every request goes through answer(): routes change while serving, and
  // 404/405 carry a one-line reason.
  d.server.set_pre_routing_handler([&d](const httplib::Request& req, httplib::Response& res) {
    d.answer(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  errno = 0;
  d.port = port == 0 ? d.server.bind_to_any_port(host) : (d.server.bind_to_port(host, port) ? port : -1);
  if (d.port < 0)
    fail(errno ? std::strerror(errno) : "cannot bind");
  d.thread = std::thread{[&d] {
    d.server.listen_after_bind();
    d.done = true;
  }};
  // stop() before the listen loop runs would be lost: wait for it.
  while (!d.server.is_running() && !d.done)
    std::this_thread::yield();
}

http_endpoint::~http_endpoint() {
  impl_->server.stop();
  impl_->thread.join();
}

uint16_t http_endpoint::port() const { return static_cast<uint16_t>(impl_->port); }

void http_endpoint::add_route(const std::string& path, handler h) {
  std::lock_guard<std::mutex> guard{impl_->routes_mtx};
  impl_->routes[path] = std::move(h);
}

std::optional<http_reply> http_get(uint16_t port, const std::string& path) {
  httplib::Client client{"127.0.0.1", port};
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(read_timeout_s, 0);
  auto res = client.Get(path.c_str());
  if (!res)
    return std::nullopt;
  return http_reply{res->status, res->get_header_value("Content-Type"), res->body};
}

std::string http_request(uint16_t port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "connect failed";
  }
  (void) !::write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;)
    out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

} // namespace troupe::runtime
