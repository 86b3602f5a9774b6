// Access control as ZooKeeper does it: a node carries a list of ACL entries
// (perms, scheme, id); a session holds authenticated identities (scheme, id);
// an operation needing permission P passes if some entry grants P and matches
// one of the identities.
//
// Schemes:
//   world:anyone      matches everybody (the only valid "world" id);
//   digest:user:hash  hash = base64(sha1("user:password")); matches a session
//                     that authenticated as exactly that id;
//   ip:ADDR[/bits]    matches a session whose "ip" identity (the address
//                     its member sees the client connect from) lies in the
//                     prefix; IPv4 (10.0.0.0/8) or IPv6 (2001:db8::/32);
//   auth              not stored: at create/setACL time it expands to every
//                     "digest" identity the session holds (invalid_acl if it
//                     holds none), as ZooKeeper's fixupACL does.
// Any other scheme (sasl, x509, ...) is invalid_acl: Keeper has no such
// authentication provider. A session holding the identity ("super", any id)
// passes every check, as ZooKeeper's superDigest user does (authenticate
// adds it for the member's --super-digest).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "troupe/keeper/errors.hpp"

namespace troupe::keeper {

// Permission bits (ZooDefs.Perms). `remove` is ZooKeeper's DELETE.
namespace perms {
inline constexpr int32_t read = 1;
inline constexpr int32_t write = 2;
inline constexpr int32_t create = 4;
inline constexpr int32_t remove = 8;
inline constexpr int32_t admin = 16;
inline constexpr int32_t all = read | write | create | remove | admin; // 31
} // namespace perms

// An identity a session has authenticated as.
struct auth_id {
  std::string scheme;
  std::string id;

  friend bool operator==(const auth_id& a, const auth_id& b) {
    return a.scheme == b.scheme && a.id == b.id;
  }
  friend bool operator<(const auth_id& a, const auth_id& b) {
    return std::tie(a.scheme, a.id) < std::tie(b.scheme, b.id);
  }
};

// One ACL entry.
struct acl {
  int32_t perms = 0;
  std::string scheme;
  std::string id;

  friend bool operator==(const acl& a, const acl& b) {
    return a.perms == b.perms && a.scheme == b.scheme && a.id == b.id;
  }
  friend bool operator!=(const acl& a, const acl& b) { return !(a == b); }
};

using acl_list = std::vector<acl>;
using identities = std::vector<auth_id>;

// ZooDefs.Ids: world:anyone with all perms / read only; auth with all perms.
acl_list open_acl_unsafe();
acl_list read_acl_unsafe();
acl_list creator_all_acl();

// "user:" + base64(sha1("user:password")): the stored digest id.
std::string digest_id(std::string_view user, std::string_view password);
// Same from "user:password" (what addauth digest sends); the user is the part
// before the first ':' (ZooKeeper's DigestAuthenticationProvider.generateDigest).
std::string digest_from_credentials(std::string_view user_password);

// Whether an id is well formed for a scheme that can be stored in an ACL.
bool valid_acl_id(std::string_view scheme, std::string_view id);

// Whether the address `client_ip` lies in `acl_expr` ("ADDR" or
// "ADDR/bits", IPv4 or IPv6; an IPv4-mapped IPv6 address counts as IPv4).
bool ip_matches(std::string_view client_ip, std::string_view acl_expr);

// The "ip" identity of a client connecting from `host`: the address in
// canonical form (IPv4-mapped IPv6 as IPv4), or "" if `host` is not an
// address.
std::string client_ip_identity(std::string_view host);

// What addAuth(scheme, credentials) proves (ZooKeeper's digest provider):
// for "digest" and "user:password", the identity ("digest", digest id), and
// before it ("super", "") when that digest id equals `super_digest` (empty:
// no super user). Another scheme, or credentials without "user:", is
// auth_failed and proves nothing.
struct auth_result {
  error err = error::ok;
  identities proven;
};
auth_result authenticate(std::string_view scheme, std::string_view credentials,
                         std::string_view super_digest);

// Whether `s` is a digest id as --super-digest takes it: "user:" followed
// by the base64 of a 20-byte SHA-1 (what digest_id produces).
bool valid_super_digest(std::string_view s);

// True when `ids` grant `perm` on a node with `acls` (ZooKeeper's checkACL;
// an empty list grants everything, which Keeper never stores).
bool check_acl(const acl_list& acls, int32_t perm, const identities& ids);

// Validates and expands ACLs for create/setACL (ZooKeeper's fixupACL):
// duplicates removed (first kept), empty list -> invalid_acl, "auth" expanded,
// bad scheme or id -> invalid_acl.
struct acl_fixup {
  error err = error::ok;
  acl_list acls;
};
acl_fixup fixup_acl(const acl_list& requested, const identities& ids);

// getACL for a caller without ADMIN: digest hashes replaced by "x"
// ("user:hash" -> "user:x"), as ZooKeeper does.
acl_list redact_digests(acl_list acls);

} // namespace troupe::keeper
