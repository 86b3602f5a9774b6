// TLS files: the throwaway certificates (tls_certs) and the checks every
// --tls-* option goes through before anything listens (validate_tls_files,
// read_tls_files), with the one-line errors users see.
#include <gtest/gtest.h>

#include <fstream>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../support/temp_dir.hpp"
#include "troupe/runtime/config.hpp"
#include "troupe/runtime/process.hpp"
#include "troupe/runtime/tls.hpp"
#include "troupe/runtime/tls_certs.hpp"

using namespace troupe::runtime;

namespace {

std::string error_of(const tls_files& f) {
  try {
    validate_tls_files(f);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

X509* parse_cert(const std::string& pem) {
  auto* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  auto* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

std::string common_name(X509* cert) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

void write(const std::string& path, const std::string& text) { std::ofstream{path} << text; }

} // namespace

TEST(TlsCerts, CaIsSelfSignedAndMarkedAsCa) {
  auto ca = make_ca("test CA");
  auto* cert = parse_cert(ca.cert);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(common_name(cert), "test CA");
  EXPECT_EQ(X509_check_ca(cert), 1);
  EXPECT_EQ(X509_check_issued(cert, cert), X509_V_OK);
  X509_free(cert);
  EXPECT_NE(ca.key.find("PRIVATE KEY"), std::string::npos);
}

TEST(TlsCerts, IssuedCertificateIsSignedByItsCaAndNotACa) {
  auto ca = make_ca("test CA");
  auto id = issue_certificate(ca, "m1");
  auto* ca_cert = parse_cert(ca.cert);
  auto* cert = parse_cert(id.cert);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(common_name(cert), "m1");
  EXPECT_EQ(X509_check_issued(ca_cert, cert), X509_V_OK);
  EXPECT_EQ(X509_check_ca(cert), 0);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  // Every certificate gets its own random serial number.
  auto* other = parse_cert(issue_certificate(ca, "m1").cert);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get_serialNumber(cert), X509_get_serialNumber(other)), 0);
  X509_free(other);
  X509_free(cert);
  X509_free(ca_cert);
}

TEST(TlsCerts, ThrowawayPkiFilesValidate) {
  troupe::test::temp_dir dir;
  auto pki = write_throwaway_pki(dir.sub("tls"), {"m1", "client"});
  ASSERT_EQ(pki.size(), 2u);
  EXPECT_EQ(pki["m1"].cert, dir.sub("tls") + "/m1.crt");
  EXPECT_EQ(pki["m1"].ca, dir.sub("tls") + "/ca.crt");
  EXPECT_EQ(error_of(pki["m1"]), "");
  EXPECT_EQ(error_of(pki["client"]), "");
}

TEST(TlsOptions, NoneMeansPlaintext) {
  EXPECT_FALSE(tls_files{}.enabled());
  EXPECT_EQ(error_of(tls_files{}), "");
}

TEST(TlsOptions, PartialSetNamesTheMissingFlag) {
  troupe::test::temp_dir dir;
  auto f = write_throwaway_pki(dir.path(), {"m1"})["m1"];
  EXPECT_EQ(error_of({f.cert, f.key, ""}),
            "--tls-cert, --tls-key and --tls-ca go together (missing --tls-ca)");
  EXPECT_EQ(error_of({f.cert, "", f.ca}),
            "--tls-cert, --tls-key and --tls-ca go together (missing --tls-key)");
  EXPECT_EQ(error_of({"", f.key, f.ca}),
            "--tls-cert, --tls-key and --tls-ca go together (missing --tls-cert)");
}

TEST(TlsOptions, UnreadableAndInvalidFilesAreOneLineErrors) {
  troupe::test::temp_dir dir;
  auto f = write_throwaway_pki(dir.path(), {"m1"})["m1"];
  auto missing = dir.sub("nope.pem");
  EXPECT_EQ(error_of({missing, f.key, f.ca}), "--tls-cert: cannot read " + missing);
  EXPECT_EQ(error_of({f.cert, missing, f.ca}), "--tls-key: cannot read " + missing);
  EXPECT_EQ(error_of({f.cert, f.key, missing}), "--tls-ca: cannot read " + missing);
  auto junk = dir.sub("junk.pem");
  write(junk, "not a certificate\n");
  EXPECT_EQ(error_of({junk, f.key, f.ca}), "--tls-cert: " + junk + " is not a PEM certificate");
  EXPECT_EQ(error_of({f.cert, junk, f.ca}), "--tls-key: " + junk + " is not an unencrypted PEM private key");
  EXPECT_EQ(error_of({f.cert, f.key, junk}), "--tls-ca: " + junk + " is not a PEM certificate");
  // A key file holding a certificate is not a key either.
  EXPECT_EQ(error_of({f.cert, f.cert, f.ca}), "--tls-key: " + f.cert + " is not an unencrypted PEM private key");
}

TEST(TlsOptions, KeyOfAnotherCertificateIsRefused) {
  troupe::test::temp_dir dir;
  auto pki = write_throwaway_pki(dir.path(), {"m1", "m2"});
  EXPECT_EQ(error_of({pki["m1"].cert, pki["m2"].key, pki["m1"].ca}),
            "--tls-key: " + pki["m2"].key + " does not belong to the certificate " + pki["m1"].cert);
}

TEST(TlsOptions, CertificateOfAnotherCaIsRefused) {
  troupe::test::temp_dir dir;
  auto ours = write_throwaway_pki(dir.sub("ours"), {"m1"})["m1"];
  auto theirs = write_throwaway_pki(dir.sub("theirs"), {"x"})["x"];
  auto err = error_of({theirs.cert, theirs.key, ours.ca});
  EXPECT_EQ(err.rfind("--tls-cert: " + theirs.cert + " does not verify against the CA in " + ours.ca + ": ", 0), 0u)
    << err;
}

TEST(TlsOptions, ParsedFromFlagsAndValidated) {
  troupe::test::temp_dir dir;
  auto f = write_throwaway_pki(dir.path(), {"m1"})["m1"];
  auto parse = [](std::vector<std::string> args) {
    std::vector<const char*> argv{"node"};
    for (auto& a : args)
      argv.push_back(a.c_str());
    po::options_description desc;
    desc.add(tls_options());
    po::variables_map vm;
    parse_options(static_cast<int>(argv.size()), argv.data(), desc, vm);
    return read_tls_files(vm);
  };
  auto got = parse({"--tls-cert", f.cert, "--tls-key", f.key, "--tls-ca", f.ca});
  EXPECT_EQ(got.cert, f.cert);
  EXPECT_EQ(got.key, f.key);
  EXPECT_EQ(got.ca, f.ca);
  EXPECT_FALSE(parse({}).enabled());
  EXPECT_THROW(parse({"--tls-cert", f.cert}), config_error);
}

TEST(TlsProbe, NobodyListeningIsReported) {
  troupe::test::temp_dir dir;
  auto f = write_throwaway_pki(dir.path(), {"m1"})["m1"];
  auto port = pick_free_port();
  EXPECT_EQ(tls_handshake_error("127.0.0.1", port, f, std::chrono::milliseconds(1000)),
            "TLS handshake with 127.0.0.1:" + std::to_string(port) + " failed: cannot connect");
}
