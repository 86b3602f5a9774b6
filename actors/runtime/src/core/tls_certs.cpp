#include "troupe/runtime/tls_certs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <memory>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "openssl_ptr.hpp"

namespace troupe::runtime {

namespace {

using namespace ossl;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("certificate generation: " + what);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  auto n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

pkey_ptr new_key() {
  pkey_ptr key{EVP_EC_gen("P-256")};
  if (!key)
    fail("cannot generate an EC P-256 key");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ext_ptr ext{X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    fail("cannot add extension " + std::string{value});
}

// A certificate for `key` named `cn`, not yet signed.
x509_ptr new_cert(EVP_PKEY* key, const std::string& cn, std::chrono::hours validity) {
  x509_ptr cert{X509_new()};
  if (!cert)
    fail("out of memory");
  X509_set_version(cert.get(), 2); // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1)
    fail("no random serial number");
  serial[0] &= 0x7f; // positive
  auto* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600); // tolerate clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  static_cast<long>(std::chrono::seconds(validity).count()));
  X509_set_pubkey(cert.get(), key);
  auto* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("troupe"), -1, -1, 0);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0)
      != 1)
    fail("invalid common name '" + cn + "'");
  return cert;
}

pem_identity to_pem(X509* cert, EVP_PKEY* key) {
  bio_ptr c{BIO_new(BIO_s_mem())}, k{BIO_new(BIO_s_mem())};
  if (!c || !k || PEM_write_bio_X509(c.get(), cert) != 1
      || PEM_write_bio_PrivateKey(k.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("cannot write PEM");
  return {bio_text(c.get()), bio_text(k.get())};
}

x509_ptr read_cert(const std::string& pem) {
  bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  x509_ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
  if (!cert)
    fail("the CA certificate is not PEM");
  return cert;
}

pkey_ptr read_key(const std::string& pem) {
  bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  pkey_ptr key{PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)};
  if (!key)
    fail("the CA key is not PEM");
  return key;
}

} // namespace

pem_identity make_ca(const std::string& common_name, std::chrono::hours validity) {
  auto key = new_key();
  auto cert = new_cert(key.get(), common_name, validity);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  add_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    fail("cannot sign the CA certificate");
  return to_pem(cert.get(), key.get());
}

pem_identity issue_certificate(const pem_identity& ca, const std::string& common_name,
                               std::chrono::hours validity) {
  auto ca_cert = read_cert(ca.cert);
  auto ca_key = read_key(ca.key);
  auto key = new_key();
  auto cert = new_cert(key.get(), common_name, validity);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  add_ext(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyAgreement");
  add_ext(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  add_ext(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid");
  auto san = "DNS:" + common_name + ",IP:127.0.0.1";
  add_ext(cert.get(), ca_cert.get(), NID_subject_alt_name, san.c_str());
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0)
    fail("cannot sign the certificate for " + common_name);
  return to_pem(cert.get(), key.get());
}

void write_pem_file(const std::string& path, const std::string& pem) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw std::runtime_error("cannot write " + path);
  auto n = ::write(fd, pem.data(), pem.size());
  bool ok = n == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok)
    throw std::runtime_error("cannot write " + path);
}

tls_files write_identity(const std::string& dir, const std::string& name, const pem_identity& id,
                         const std::string& ca_file) {
  tls_files files{dir + "/" + name + ".crt", dir + "/" + name + ".key", ca_file};
  write_pem_file(files.cert, id.cert);
  write_pem_file(files.key, id.key);
  return files;
}

std::map<std::string, tls_files> write_throwaway_pki(const std::string& dir,
                                                     const std::vector<std::string>& names) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create " + dir);
  auto ca = make_ca("troupe throwaway CA");
  auto ca_file = dir + "/ca.crt";
  write_pem_file(ca_file, ca.cert);
  std::map<std::string, tls_files> out;
  for (auto& name : names)
    out[name] = write_identity(dir, name, issue_certificate(ca, name), ca_file);
  return out;
}

} // namespace troupe::runtime
