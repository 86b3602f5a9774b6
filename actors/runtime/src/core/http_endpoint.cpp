#include "troupe/runtime/http_endpoint.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace troupe::runtime {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

void write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    auto n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0)
      return;
    off += static_cast<size_t>(n);
  }
}

} // namespace

http_endpoint::http_endpoint(const std::string& host, uint16_t port,
                             std::map<std::string, handler> routes)
  : routes_(std::move(routes)) {
  auto fail = [&](const std::string& what) {
    auto msg = "cannot serve HTTP on " + host + ":" + std::to_string(port) + ": " + what;
    if (listen_fd_ >= 0)
      ::close(listen_fd_);
    throw std::runtime_error(msg);
  };
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    fail("not an IPv4 address");
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0)
    fail(std::strerror(errno));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::listen(listen_fd_, 16) != 0)
    fail(std::strerror(errno));
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe2(wake_fds_, O_CLOEXEC) != 0)
    fail(std::strerror(errno));
  thread_ = std::thread{[this] { serve(); }};
}

http_endpoint::~http_endpoint() {
  if (thread_.joinable()) {
    char c = 'x';
    (void) !::write(wake_fds_[1], &c, 1);
    thread_.join();
  }
  for (int fd : {listen_fd_, wake_fds_[0], wake_fds_[1]})
    if (fd >= 0)
      ::close(fd);
}

void http_endpoint::add_route(const std::string& path, handler h) {
  std::lock_guard<std::mutex> guard{routes_mtx_};
  routes_[path] = std::move(h);
}

void http_endpoint::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[1].revents)
      return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    answer(fd);
    ::close(fd);
  }
}

void http_endpoint::answer(int fd) {
  // Read the request head (a slow or silent client gets one second).
  std::string head;
  char buf[2048];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0)
      return;
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
      return;
    head.append(buf, static_cast<size_t>(n));
  }
  response r;
  auto line_end = head.find("\r\n");
  auto line = head.substr(0, line_end);
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  if (line_end == std::string::npos || sp2 == std::string::npos) {
    r = {400, "bad request\n"};
  } else if (line.compare(0, sp1, "GET") != 0) {
    r = {405, "only GET is supported\n"};
  } else {
    auto path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    path = path.substr(0, path.find('?'));
    handler h;
    {
      std::lock_guard<std::mutex> guard{routes_mtx_};
      if (auto route = routes_.find(path); route != routes_.end())
        h = route->second;
    }
    if (!h) {
      r = {404, "unknown path " + path + "\n"};
    } else {
      try {
        r = h();
      } catch (const std::exception& e) {
        r = {503, std::string{e.what()} + "\n"};
      }
    }
  }
  write_all(fd, "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status)
                  + "\r\nContent-Type: " + r.content_type
                  + "\r\nContent-Length: " + std::to_string(r.body.size())
                  + "\r\nConnection: close\r\n\r\n" + r.body);
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
