// Keeper over TLS end to end: `troupe local --tls` makes a throwaway CA,
// runs three members with it, passes its self-check, and prints a `troupe
// zk` command that works; a client with a foreign CA's certificate or none
// is refused, the foreign one with a clear error.
#include <gtest/gtest.h>

#include <csignal>

#include "../support/temp_dir.hpp"
#include "process_fixture.hpp"
#include "troupe/runtime/tls_certs.hpp"

using namespace std::chrono_literals;
namespace test = troupe::test;

TEST(TlsKeeper, LocalEnsembleWithTlsServesTheZkCommandItPrints) {
  test::temp_dir dir;
  troupe::runtime::child_process local{TROUPE_BINARY,
                                       {"local", "--tls", "--data-dir", dir.sub("local"), "--duration", "120s"}};
  auto check = local.wait_for_line("troupe local: self-check: ", 60s);
  ASSERT_TRUE(check);
  EXPECT_NE(check->find("wrote and read /troupe/local"), std::string::npos);
  auto ls = local.wait_for_line("  troupe zk --server ", 10s);
  ASSERT_TRUE(ls);
  ASSERT_NE(ls->find("--tls-cert"), std::string::npos) << *ls;
  // "HOSTS --tls-cert C --tls-key K --tls-ca A ls /": run it as printed.
  auto [status, out] = test::run_shell(std::string{"'"} + TROUPE_BINARY + "' zk --server " + *ls);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("troupe"), std::string::npos) << out; // ls / lists /troupe
  auto servers = ls->substr(0, ls->find(' '));

  // A certificate from another CA: refused, and zk says why.
  auto foreign = troupe::runtime::write_throwaway_pki(dir.sub("foreign"), {"intruder"})["intruder"];
  std::tie(status, out) = test::run_shell(std::string{"'"} + TROUPE_BINARY + "' zk --server " + servers +
                                          " --tls-cert " + foreign.cert + " --tls-key " + foreign.key +
                                          " --tls-ca " + foreign.ca + " ls /");
  EXPECT_EQ(status, 3) << out;
  EXPECT_NE(out.find("TLS handshake with 127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find("failed: certificate verify failed"), std::string::npos) << out;
  EXPECT_NE(out.find("cannot reach a Keeper member"), std::string::npos) << out;

  // No certificate at all (plaintext): nothing is served either.
  std::tie(status, out) = test::run_shell(std::string{"'"} + TROUPE_BINARY + "' zk --server " + servers + " ls /");
  EXPECT_EQ(status, 3) << out;

  local.signal(SIGINT);
  auto stopped = local.wait(30s);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(*stopped, 0);
}
