// A node's HTTP endpoint: Prometheus metrics, health and the JSON status
// pages for operators; served concurrently, so a slow client stalls no one.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <condition_variable>
#include <future>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "../support/temp_dir.hpp"
#include "process_fixture.hpp"
#include "troupe/log/leader_status.hpp"
#include "troupe/runtime/http_endpoint.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
namespace rt = troupe::runtime;

namespace {

// A raw TCP connection to 127.0.0.1:port, to play a slow client.
class raw_connection {
public:
  explicit raw_connection(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~raw_connection() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& s) { (void) !::write(fd_, s.data(), s.size()); }
  /// True if the server neither answered nor closed the connection yet.
  bool nothing_received_yet() {
    char c;
    auto n = ::recv(fd_, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  /// Everything until the server closes the connection.
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd_, buf, sizeof(buf))) > 0;)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }

private:
  int fd_;
  bool connected_ = false;
};

json get_json(uint16_t port, const std::string& path) {
  auto r = rt::http_get(port, path);
  if (!r || r->status != 200 || r->content_type != "application/json")
    return json{};
  return json::parse(r->body, nullptr, false);
}

// `troupe node n1` with an HTTP endpoint, peered with `troupe node n2`.
struct two_nodes {
  uint16_t p1 = rt::pick_free_port(), p2 = rt::pick_free_port();
  std::unique_ptr<rt::child_process> n2 = troupe::test::start_troupe_node("n2", p2, {"n1=127.0.0.1:" + std::to_string(p1)});
  rt::child_process n1{TROUPE_BINARY,
                       {"node", "--node", "n1", "--port", std::to_string(p1), "--http-port", "0", "--peer",
                        "n2=127.0.0.1:" + std::to_string(p2), "--log-level", "warn"}};
  uint16_t http = 0;

  bool start() {
    auto line = n1.wait_for_line("http 127.0.0.1:", 10s);
    if (!n2 || !line || !n1.wait_for_line("listening ", 10s))
      return false;
    http = static_cast<uint16_t>(std::stoi(*line));
    return true;
  }

  // /status once the link to n2 is up (within a few heartbeats), else the last answer.
  json status_with_n2_up() {
    json status;
    for (int i = 0; i < 100; ++i) {
      status = get_json(http, "/status");
      if (status.is_object())
        for (auto& p : status["peers"])
          if (p.value("node", "") == "n2" && p.value("state", "") == "up")
            return status;
      n1.wait(20ms); // paces the polling of a real process
    }
    return status;
  }
};

} // namespace

TEST(Http, MetricsHealthAndStatus) {
  two_nodes t;
  ASSERT_TRUE(t.start());
  auto port = t.http;

  auto health = rt::http_request(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(health.rfind("HTTP/1.1 200 OK", 0), 0u) << health;
  EXPECT_NE(health.find("ok n1"), std::string::npos);

  auto status = t.status_with_n2_up();
  ASSERT_TRUE(status.is_object()) << status;
  EXPECT_EQ(status["node"], "n1");
  EXPECT_TRUE(status["incarnation"].is_number_unsigned());
  EXPECT_TRUE(status["roles"].is_array());
  ASSERT_EQ(status["peers"].size(), 1u) << status;
  auto& peer = status["peers"][0];
  EXPECT_EQ(peer["endpoint"], "127.0.0.1:" + std::to_string(t.p2));
  EXPECT_EQ(peer["state"], "up");
  EXPECT_TRUE(peer["rtt_us"].is_number()) << peer;

  // The same document for people.
  auto text = rt::http_get(port, "/status?format=text");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->content_type, "text/plain; charset=utf-8");
  EXPECT_NE(text->body.find("node: n1\n"), std::string::npos) << text->body;
  EXPECT_NE(text->body.find("peers:\n  - node: n2\n"), std::string::npos) << text->body;
  EXPECT_EQ(rt::http_get(port, "/status?format=xml")->status, 400);

  auto metrics = rt::http_request(port, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(metrics.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.find("# TYPE troupe_peer_up gauge"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("troupe_peer_up{peer=\"n2\"} 1"), std::string::npos) << metrics;

  EXPECT_EQ(rt::http_request(port, "GET /nope HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(rt::http_request(port, "POST /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(rt::http_request(port, "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  // The node survived all of it.
  EXPECT_EQ(rt::http_request(port, "GET /health HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}

TEST(Http, AClientThatSendsHalfARequestStallsNoOne) {
  two_nodes t;
  ASSERT_TRUE(t.start());
  raw_connection slow{t.http};
  ASSERT_TRUE(slow.connected());
  slow.send("GET /metr");
  auto metrics = rt::http_get(t.http, "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("troupe_peer_up"), std::string::npos);
  // The slow client's request was still open meanwhile: it is answered
  // once it is complete.
  EXPECT_TRUE(slow.nothing_received_yet());
  slow.send("ics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(slow.read_all().rfind("HTTP/1.1 200", 0), 0u);
}

TEST(Http, ServesClientsConcurrently) {
  // One handler blocks until a second request, on another worker, releases it.
  std::mutex mtx;
  std::condition_variable cv;
  bool released = false;
  rt::http_endpoint endpoint{"127.0.0.1", 0, {
    {"/wait", [&](const rt::http_endpoint::request&) {
       std::unique_lock<std::mutex> lock{mtx};
       bool ok = cv.wait_for(lock, 30s, [&] { return released; });
       return rt::http_endpoint::response{ok ? 200 : 503, ok ? "released\n" : "never released\n"};
     }},
    {"/release", [&](const rt::http_endpoint::request& req) {
       std::lock_guard<std::mutex> lock{mtx};
       released = true;
       cv.notify_all();
       return rt::http_endpoint::response{200, "released by " + req.params.at("who") + "\n"};
     }},
  }};
  auto waiting = std::async(std::launch::async, [&] { return rt::http_get(endpoint.port(), "/wait"); });
  auto release = rt::http_get(endpoint.port(), "/release?who=test");
  ASSERT_TRUE(release);
  EXPECT_EQ(release->body, "released by test\n");
  auto waited = waiting.get();
  ASSERT_TRUE(waited);
  EXPECT_EQ(waited->status, 200);
  EXPECT_EQ(waited->body, "released\n");

  // Many clients at once all get their answer.
  std::vector<std::future<std::optional<rt::http_reply>>> many;
  for (int i = 0; i < 16; ++i)
    many.push_back(std::async(std::launch::async, [&] { return rt::http_get(endpoint.port(), "/release?who=x"); }));
  for (auto& f : many) {
    auto r = f.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
}

TEST(Http, AHandlerThatThrowsIsA503AndTheEndpointServesOn) {
  rt::http_endpoint endpoint{"127.0.0.1", 0, {
    {"/boom", [](const rt::http_endpoint::request&) -> rt::http_endpoint::response {
       throw std::runtime_error("no status yet");
     }},
  }};
  auto r = rt::http_get(endpoint.port(), "/boom");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "no status yet\n");
  endpoint.add_route("/ok", [](const rt::http_endpoint::request&) { return rt::http_endpoint::response{200, "ok\n"}; });
  EXPECT_EQ(rt::http_get(endpoint.port(), "/ok")->body, "ok\n");
  EXPECT_EQ(rt::http_get(endpoint.port(), "/nope")->status, 404);
  EXPECT_FALSE(rt::http_get(rt::pick_free_port(), "/ok")) << "nothing listens there";
}

TEST(Http, LogAndKeeperPagesAreJsonWithTheLeaderStatus) {
  troupe::test::temp_dir dir;
  auto log_port = rt::pick_free_port(), log_http = rt::pick_free_port();
  auto keeper_port = rt::pick_free_port(), keeper_http = rt::pick_free_port();
  auto client_port = rt::pick_free_port();
  rt::child_process log{TROUPE_BINARY,
                        {"log", "--id", "1", "--members", "1=127.0.0.1:" + std::to_string(log_port), "--data-dir",
                         dir.sub("log"), "--http-port", std::to_string(log_http), "--log-level", "warn"}};
  rt::child_process keeper{TROUPE_BINARY,
                           {"keeper", "--id", "1", "--members", "1=127.0.0.1:" + std::to_string(keeper_port),
                            "--data-dir", dir.sub("keeper"), "--client-port", std::to_string(client_port),
                            "--http-port", std::to_string(keeper_http), "--log-level", "warn"}};
  ASSERT_TRUE(log.wait_for_line("listening ", 10s));
  ASSERT_TRUE(keeper.wait_for_line("listening ", 10s));

  // A group of one elects itself within a few ticks.
  auto leading = [&](uint16_t port, const std::string& path) {
    json page;
    for (int i = 0; i < 200; ++i) {
      page = get_json(port, path);
      if (page.is_object() && page["log"].is_object() && page["log"]["role"] == "leader")
        break;
      log.wait(20ms); // paces the polling of real processes
    }
    return page;
  };
  auto log_page = leading(log_http, "/log");
  ASSERT_TRUE(log_page.is_object()) << log_page;
  EXPECT_EQ(log_page["log"]["group"], "log");
  EXPECT_EQ(log_page["log"]["acceptors"].size(), 1u) << log_page;
  EXPECT_EQ(log_page["follower"]["follower"].get<std::string>().rfind("m1/main#", 0), 0u) << log_page;
  EXPECT_EQ(log_page["follower"]["leader"], "m1") << log_page;
  auto s = troupe::rlog::parse_leader_status(log_page.dump());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->role, "leader");
  EXPECT_EQ(s->self, 1u);
  EXPECT_EQ(troupe::rlog::max_acceptor_lag(*s), 0u);

  auto keeper_page = leading(keeper_http, "/keeper");
  ASSERT_TRUE(keeper_page.is_object()) << keeper_page;
  EXPECT_EQ(keeper_page["log"]["group"], "keeper");
  EXPECT_EQ(keeper_page["follower"]["group"], "keeper");
  EXPECT_TRUE(keeper_page["server"]["sessions_attached"].is_number()) << keeper_page;
  EXPECT_TRUE(troupe::rlog::parse_leader_status(keeper_page.dump()));

  auto text = rt::http_get(keeper_http, "/keeper?format=text");
  ASSERT_TRUE(text);
  EXPECT_NE(text->body.find("log:\n  group: keeper\n"), std::string::npos) << text->body;
  EXPECT_NE(text->body.find("  role: leader\n"), std::string::npos) << text->body;
}
