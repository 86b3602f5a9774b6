#include "keeper_processes.hpp"

#include <filesystem>
#include <stdexcept>

#include "commands.hpp"
#include "troupe/runtime/http_endpoint.hpp"
#include "troupe/runtime/tls_certs.hpp"

namespace troupe::cli {

keeper_processes::keeper_processes(keeper_processes_options opts) : opts_(std::move(opts)) {
  for (size_t i = 0; i < opts_.members; ++i) {
    auto base = opts_.base_port;
    auto port = base ? static_cast<uint16_t>(base + i) : runtime::pick_free_port();
    client_ports_.push_back(base ? static_cast<uint16_t>(base + 100 + i) : runtime::pick_free_port());
    http_ports_.push_back(opts_.http ? runtime::pick_free_port() : 0);
    spec_ += (i ? "," : "") + std::to_string(i + 1) + "=127.0.0.1:" + std::to_string(port);
  }
  if (opts_.tls) {
    std::vector<std::string> names{"client"};
    for (size_t i = 0; i < opts_.members; ++i)
      names.push_back("m" + std::to_string(i + 1));
    std::error_code ec;
    std::filesystem::create_directories(opts_.data_dir, ec);
    auto pki = runtime::write_throwaway_pki(opts_.data_dir + "/tls", names);
    client_tls_ = pki.at("client");
    for (size_t i = 0; i < opts_.members; ++i)
      member_tls_.push_back(pki.at("m" + std::to_string(i + 1)));
  }
  members.resize(opts_.members);
  where_.resize(opts_.members);
  for (size_t i = 0; i < opts_.members; ++i)
    start(i);
}

void keeper_processes::start(size_t i) {
  std::vector<std::string> args{"keeper", "--id", std::to_string(i + 1), "--members", spec_,
                                "--client-port", std::to_string(client_ports_[i]),
                                "--data-dir", opts_.data_dir + "/m" + std::to_string(i + 1),
                                "--log-level", opts_.log_level};
  if (opts_.http) {
    args.push_back("--http-port");
    args.push_back(std::to_string(http_ports_[i]));
  }
  if (opts_.tls) {
    auto& t = member_tls_.at(i);
    args.insert(args.end(), {"--tls-cert", t.cert, "--tls-key", t.key, "--tls-ca", t.ca});
  }
  args.insert(args.end(), opts_.extra.begin(), opts_.extra.end());
  members[i] = std::make_unique<runtime::child_process>(self_path(), args);
  auto where = members[i]->wait_for_line("listening ", std::chrono::seconds(15));
  if (!where)
    throw std::runtime_error("member m" + std::to_string(i + 1) + " did not start (see its error above)");
  where_[i] = *where;
}

std::optional<std::pair<size_t, rlog::leader_status>> keeper_processes::leader_status() const {
  for (size_t i = 0; i < members.size(); ++i) {
    if (!opts_.http || !members[i] || !members[i]->running())
      continue;
    auto page = runtime::http_get(http_ports_[i], "/keeper");
    auto s = page ? rlog::parse_leader_status(page->body) : std::nullopt;
    if (s && s->role == "leader")
      return std::make_pair(i, *s);
  }
  return std::nullopt;
}

std::optional<size_t> keeper_processes::leader() const {
  if (auto s = leader_status())
    return s->first;
  return std::nullopt;
}

std::string keeper_processes::connect_string() const {
  std::string out;
  for (size_t i = 0; i < client_ports_.size(); ++i)
    out += (i ? "," : "") + std::string{"127.0.0.1:"} + std::to_string(client_ports_[i]);
  return out;
}

std::vector<std::pair<std::string, uint16_t>> keeper_processes::servers() const {
  std::vector<std::pair<std::string, uint16_t>> out;
  for (auto p : client_ports_)
    out.emplace_back("127.0.0.1", p);
  return out;
}

} // namespace troupe::cli
