// Mutual TLS between real processes, with certificates made in the test
// (tls_certs): members of one CA talk; a peer of a foreign CA, or one
// without a certificate, is refused, the refused side says why, and the
// member logs the refusal. Also Keeper's client port with `troupe local
// --tls` and `troupe zk`.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../support/temp_dir.hpp"
#include "process_fixture.hpp"
#include "troupe/messages/wire.hpp"
#include "troupe/runtime/tls.hpp"
#include "troupe/runtime/tls_certs.hpp"

using namespace std::chrono_literals;
using troupe::address;
using troupe::runtime::pick_free_port;
using troupe::runtime::tls_files;
namespace test = troupe::test;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Polls `probe` until it returns true or `limit` passes.
template <class F>
bool eventually(F probe, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!probe()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    test::event_queue idle;
    idle.wait_for("never", 50ms); // poll interval
  }
  return true;
}

std::vector<std::string> tls_args(const tls_files& f) {
  return {"--tls-cert", f.cert, "--tls-key", f.key, "--tls-ca", f.ca};
}

// `troupe node n1` with TLS; its stderr (the log) goes to `log`.
std::unique_ptr<troupe::runtime::child_process> start_tls_node(uint16_t port, const tls_files& f,
                                                               const std::string& log) {
  std::string cmd = std::string{"exec '"} + TROUPE_BINARY + "' node --node n1 --port " + std::to_string(port) +
                    " --probe-interval 0 --log-level warn";
  for (auto& a : tls_args(f))
    cmd += " '" + a + "'";
  auto child = std::make_unique<troupe::runtime::child_process>("/bin/sh",
                                                               std::vector<std::string>{"-c", cmd + " 2>" + log});
  if (!child->wait_for_line("listening ", 10s))
    return nullptr;
  return child;
}

std::unique_ptr<troupe::runtime::node> tls_test_node(uint16_t port, const tls_files& f) {
  troupe::runtime::node_config cfg;
  cfg.name = "tester";
  cfg.peers = {{"n1", "127.0.0.1", port}};
  cfg.log_level = troupe::log::level::off;
  cfg.tls = f;
  return std::make_unique<troupe::runtime::node>(cfg);
}

// The reason this node's link to n1 is down ("" while up).
std::string link_reason(troupe::runtime::node& n) {
  auto status = n.status();
  for (auto& p : status.peers())
    if (p.node() == "n1")
      return p.state() == "up" ? "" : p.reason();
  return "no link";
}

struct TlsNodes : ::testing::Test {
  test::temp_dir dir;
  std::map<std::string, tls_files> pki = troupe::runtime::write_throwaway_pki(dir.sub("ca"), {"n1", "tester"});
  tls_files foreign = troupe::runtime::write_throwaway_pki(dir.sub("foreign"), {"tester"})["tester"];
  uint16_t port = pick_free_port();
  std::string log = dir.sub("n1.log");
  std::unique_ptr<troupe::runtime::child_process> n1;

  void SetUp() override {
    n1 = start_tls_node(port, pki["n1"], log);
    ASSERT_TRUE(n1);
  }
  std::string prefix() const { return "TLS handshake with 127.0.0.1:" + std::to_string(port) + " failed: "; }
};

} // namespace

TEST_F(TlsNodes, CertificatesOfOneCaTalk) {
  auto me = tls_test_node(port, pki["tester"]);
  test::event_queue events;
  test::observe(*me, address{"n1", "echo"}, events);
  ASSERT_TRUE(events.wait_for("up echo@n1", 10s));
  auto reply = events.wait_for("reply", 5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, "reply echo@n1 n1 hello");
  EXPECT_EQ(read_file(log).find("TLS handshake refused"), std::string::npos) << read_file(log);
}

TEST_F(TlsNodes, ForeignCaIsRefusedOnBothSides) {
  auto me = tls_test_node(port, foreign);
  // The refused side: its link to n1 is down with OpenSSL's reason.
  std::string reason;
  EXPECT_TRUE(eventually([&] {
    reason = link_reason(*me);
    return reason.find("TLS handshake") != std::string::npos;
  })) << reason;
  EXPECT_EQ(reason.rfind(prefix() + "certificate verify failed", 0), 0u) << reason;
  // The member: logged the refusal, naming the peer (CAF itself says nothing).
  EXPECT_TRUE(eventually([&] { return read_file(log).find("TLS handshake refused") != std::string::npos; }))
    << read_file(log);
  EXPECT_NE(read_file(log).find("peer=127.0.0.1:"), std::string::npos) << read_file(log);
  EXPECT_NE(read_file(log).find("unknown ca"), std::string::npos) << read_file(log);
}

TEST_F(TlsNodes, ClientWithoutCertificateIsRefused) {
  // A stranger that trusts the CA but has no certificate of its own.
  auto err = troupe::runtime::tls_handshake_error("127.0.0.1", port, {"", "", pki["n1"].ca}, 2000ms);
  EXPECT_EQ(err.rfind(prefix(), 0), 0u) << err;
  EXPECT_NE(err.find("certificate required"), std::string::npos) << err;
  EXPECT_TRUE(eventually([&] { return read_file(log).find("TLS handshake refused") != std::string::npos; }))
    << read_file(log);
}

TEST_F(TlsNodes, RefusedStrangersDoNotDisturbAnEstablishedLink) {
  auto me = tls_test_node(port, pki["tester"]);
  test::event_queue events;
  test::observe(*me, address{"n1", "echo"}, events);
  ASSERT_TRUE(events.wait_for("reply echo@n1 n1 hello", 10s));
  for (int i = 0; i < 5; ++i)
    EXPECT_NE(troupe::runtime::tls_handshake_error("127.0.0.1", port, foreign, 2000ms), "");
  // The link stayed up through the refusals: no down event, heartbeats answered.
  EXPECT_FALSE(events.wait_for("down echo@n1", 1500ms));
  EXPECT_EQ(link_reason(*me), "");
}

TEST(TlsCli, PartialTlsFlagsAreAOneLineError) {
  test::temp_dir dir;
  auto f = troupe::runtime::write_throwaway_pki(dir.path(), {"n1"})["n1"];
  auto [status, out] = test::run_shell(std::string{"'"} + TROUPE_BINARY + "' node --node n1 --tls-cert " + f.cert);
  EXPECT_EQ(status, 2);
  EXPECT_EQ(out, "troupe node: error: --tls-cert, --tls-key and --tls-ca go together (missing --tls-key)\n");
  std::tie(status, out) = test::run_shell(std::string{"'"} + TROUPE_BINARY + "' keeper --id 1 --members 1=127.0.0.1:" +
                                          std::to_string(pick_free_port()) + " --data-dir " + dir.sub("m1") +
                                          " --client-port 0 --tls-cert " + f.cert + " --tls-key " + f.cert +
                                          " --tls-ca " + f.ca);
  EXPECT_EQ(status, 2);
  EXPECT_EQ(out, "troupe keeper: error: --tls-key: " + f.cert + " is not an unencrypted PEM private key\n");
}
