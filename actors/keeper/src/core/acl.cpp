// ACL checks, validation and the digest scheme.
#include "troupe/keeper/acl.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <arpa/inet.h>

#include "troupe/keeper/base64.hpp"
#include "troupe/keeper/sha1.hpp"

namespace troupe::keeper {

namespace {

// Schemes whose identities count as authenticated for the "auth" expansion
// (ZooKeeper: providers whose isAuthenticated() is true; "ip" is not).
bool authenticated_scheme(std::string_view scheme) { return scheme == "digest"; }

// Java's String.split(":") then length: fields separated by ':', trailing
// empty fields dropped. ZooKeeper's digest provider wants exactly 2.
std::size_t java_split_count(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto colon = s.find(':', start);
    if (colon == std::string_view::npos) {
      parts.push_back(s.substr(start));
      break;
    }
    parts.push_back(s.substr(start, colon - start));
    start = colon + 1;
  }
  while (!parts.empty() && parts.back().empty())
    parts.pop_back();
  return parts.size();
}

std::optional<std::array<uint8_t, 4>> parse_ipv4(std::string_view s) {
  std::array<uint8_t, 4> out{};
  std::size_t part = 0;
  std::size_t i = 0;
  while (true) {
    if (part == 4)
      return std::nullopt;
    std::size_t digits = 0;
    unsigned value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 4) {
      value = value * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 3 || value > 255)
      return std::nullopt;
    out[part++] = static_cast<uint8_t>(value);
    if (i == s.size())
      break;
    if (s[i] != '.')
      return std::nullopt;
    ++i;
  }
  if (part != 4)
    return std::nullopt;
  return out;
}

// An IPv4 (4 bytes) or IPv6 (16 bytes) address. An IPv4-mapped IPv6
// address (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4
// peer) is its IPv4 address.
struct ip_address {
  std::array<uint8_t, 16> bytes{};
  int size = 0;
};

std::optional<ip_address> parse_ip(std::string_view s) {
  ip_address out;
  if (s.find(':') == std::string_view::npos) {
    auto v4 = parse_ipv4(s);
    if (!v4)
      return std::nullopt;
    std::copy(v4->begin(), v4->end(), out.bytes.begin());
    out.size = 4;
    return out;
  }
  std::string text(s); // inet_pton wants a terminated string
  if (inet_pton(AF_INET6, text.c_str(), out.bytes.data()) != 1)
    return std::nullopt;
  out.size = 16;
  static constexpr uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(std::begin(mapped), std::end(mapped), out.bytes.begin())) {
    std::copy(out.bytes.begin() + 12, out.bytes.end(), out.bytes.begin());
    std::fill(out.bytes.begin() + 4, out.bytes.end(), 0);
    out.size = 4;
  }
  return out;
}

struct ip_prefix {
  ip_address addr;
  int bits;
};

// "address" or "address/bits" (CIDR), IPv4 or IPv6, as ZooKeeper's ip scheme.
std::optional<ip_prefix> parse_ip_expr(std::string_view expr) {
  auto slash = expr.find('/');
  auto addr = parse_ip(expr.substr(0, slash));
  if (!addr)
    return std::nullopt;
  int max_bits = addr->size * 8;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    auto b = expr.substr(slash + 1);
    if (b.empty() || b.size() > 3)
      return std::nullopt;
    bits = 0;
    for (char c : b) {
      if (c < '0' || c > '9')
        return std::nullopt;
      bits = bits * 10 + (c - '0');
    }
    if (bits > max_bits)
      return std::nullopt;
  }
  return ip_prefix{*addr, bits};
}

} // namespace

acl_list open_acl_unsafe() { return {acl{perms::all, "world", "anyone"}}; }
acl_list read_acl_unsafe() { return {acl{perms::read, "world", "anyone"}}; }
acl_list creator_all_acl() { return {acl{perms::all, "auth", ""}}; }

std::string digest_id(std::string_view user, std::string_view password) {
  std::string credentials(user);
  credentials += ':';
  credentials += password;
  return digest_from_credentials(credentials);
}

std::string digest_from_credentials(std::string_view user_password) {
  auto d = sha1_of(user_password);
  std::string raw(reinterpret_cast<const char*>(d.data()), d.size());
  std::string out(user_password.substr(0, user_password.find(':')));
  out += ':';
  out += base64_encode(raw);
  return out;
}

bool valid_acl_id(std::string_view scheme, std::string_view id) {
  if (scheme == "world")
    return id == "anyone";
  if (scheme == "digest")
    return java_split_count(id) == 2;
  if (scheme == "ip")
    return parse_ip_expr(id).has_value();
  return false;
}

bool ip_matches(std::string_view client_ip, std::string_view acl_expr) {
  auto prefix = parse_ip_expr(acl_expr);
  auto client = parse_ip(client_ip);
  if (!prefix || !client || client->size != prefix->addr.size)
    return false;
  int bits = prefix->bits;
  for (int i = 0; i < client->size && bits > 0; ++i, bits -= 8) {
    int take = bits >= 8 ? 8 : bits;
    auto mask = static_cast<uint8_t>(0xFF << (8 - take));
    if ((prefix->addr.bytes[i] & mask) != (client->bytes[i] & mask))
      return false;
  }
  return true;
}

std::string client_ip_identity(std::string_view host) {
  auto addr = parse_ip(host);
  if (!addr)
    return {};
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(addr->size == 4 ? AF_INET : AF_INET6, addr->bytes.data(), text, sizeof text);
  return text;
}

auth_result authenticate(std::string_view scheme, std::string_view credentials,
                         std::string_view super_digest) {
  auth_result out;
  auto colon = credentials.find(':');
  if (scheme != "digest" || colon == std::string_view::npos || colon == 0) {
    out.err = error::auth_failed;
    return out;
  }
  auto id = digest_from_credentials(credentials);
  if (!super_digest.empty() && id == super_digest)
    out.proven.push_back(auth_id{"super", ""});
  out.proven.push_back(auth_id{"digest", std::move(id)});
  return out;
}

bool valid_super_digest(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return false;
  auto hash = base64_decode(s.substr(colon + 1));
  return hash && hash->size() == 20;
}

bool check_acl(const acl_list& acls, int32_t perm, const identities& ids) {
  if (acls.empty())
    return true;
  for (const auto& who : ids)
    if (who.scheme == "super")
      return true;
  for (const auto& entry : acls) {
    if ((entry.perms & perm) == 0)
      continue;
    if (entry.scheme == "world" && entry.id == "anyone")
      return true;
    for (const auto& who : ids) {
      if (who.scheme != entry.scheme)
        continue;
      if (entry.scheme == "digest" && who.id == entry.id)
        return true;
      if (entry.scheme == "ip" && ip_matches(who.id, entry.id))
        return true;
    }
  }
  return false;
}

acl_fixup fixup_acl(const acl_list& requested, const identities& ids) {
  acl_list unique;
  for (const auto& entry : requested)
    if (std::find(unique.begin(), unique.end(), entry) == unique.end())
      unique.push_back(entry);
  if (unique.empty())
    return {error::invalid_acl, {}};
  acl_fixup out;
  for (const auto& entry : unique) {
    if (entry.scheme == "auth") {
      bool expanded = false;
      for (const auto& who : ids) {
        if (!authenticated_scheme(who.scheme))
          continue;
        out.acls.push_back(acl{entry.perms, who.scheme, who.id});
        expanded = true;
      }
      if (!expanded)
        return {error::invalid_acl, {}};
    } else if (valid_acl_id(entry.scheme, entry.id)) {
      out.acls.push_back(entry);
    } else {
      return {error::invalid_acl, {}};
    }
  }
  return out;
}

acl_list redact_digests(acl_list acls) {
  for (auto& entry : acls) {
    if (entry.scheme != "digest")
      continue;
    auto colon = entry.id.find(':');
    if (colon != std::string::npos)
      entry.id = entry.id.substr(0, colon) + ":x";
  }
  return acls;
}

} // namespace troupe::keeper
