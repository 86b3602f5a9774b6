// A throwaway Apache ZooKeeper ensemble for `troupe bench keeper` (see the
// header). How Debian runs ZooKeeper: /usr/share/java/zookeeper.jar names
// its dependencies in its manifest's Class-Path, so it alone is enough for
// QuorumPeerMain; but that list has slf4j-api without a binding, so the
// server would log nothing ("SLF4J: Failed to load class ...
// StaticLoggerBinder", NOP logger). We add slf4j-simple (same package,
// libslf4j-java) and point it at a file, which needs no log4j 1.2 config.
// java is exec'ed through `sh -c 'exec ...'` only to send stdout/stderr to
// a file in the server's directory: a child's stdout is otherwise a pipe
// nobody reads, which would block the JVM once full. The pid is java's.
#include "zookeeper_ensemble.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

namespace troupe::cli {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

constexpr const char* zookeeper_jar = "/usr/share/java/zookeeper.jar";
constexpr const char* slf4j_simple_jar = "/usr/share/java/slf4j-simple.jar";
constexpr const char* main_class = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

bool executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

std::string find_java(const std::string& configured) {
  if (!configured.empty()) {
    if (!executable(configured))
      throw std::runtime_error("zookeeper: java not executable: " + configured);
    return configured;
  }
  if (const char* home = std::getenv("JAVA_HOME"); home && *home) {
    std::string java = std::string{home} + "/bin/java";
    if (executable(java))
      return java;
  }
  if (executable("/usr/bin/java"))
    return "/usr/bin/java";
  throw std::runtime_error(
    "zookeeper: no java (neither $JAVA_HOME/bin/java nor /usr/bin/java); "
    "apt-get install default-jre-headless");
}

std::string last_interesting_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last, last_problem;
  while (std::getline(in, line)) {
    if (line.empty())
      continue;
    last = line;
    if (line.find("ERROR") != std::string::npos || line.find("Exception") != std::string::npos
        || line.find("Error") != std::string::npos)
      last_problem = line;
  }
  auto& pick = last_problem.empty() ? last : last_problem;
  return pick.size() > 240 ? pick.substr(0, 240) + "..." : pick;
}

std::string seconds_str(milliseconds ms) {
  std::ostringstream s;
  s << static_cast<double>(ms.count()) / 1000.0 << " s";
  return s.str();
}

} // namespace

std::optional<std::string> zookeeper_4lw(uint16_t port, const std::string& cmd,
                                         milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return std::nullopt;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)); // also bounds connect
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  std::string reply;
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0
            && ::send(fd, cmd.data(), cmd.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(cmd.size());
  auto deadline = steady_clock::now() + timeout;
  while (ok) {
    char buf[4096];
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n == 0)
      break; // the server closes after answering
    if (n < 0 && errno == EINTR && steady_clock::now() < deadline)
      continue;
    if (n < 0)
      ok = false;
    else
      reply.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!ok)
    return std::nullopt;
  return reply;
}

zookeeper_ensemble::zookeeper_ensemble(zookeeper_ensemble_options opts) : opts_(std::move(opts)) {
  if (opts_.servers < 1)
    throw std::runtime_error("zookeeper: need at least one server");
  java_ = find_java(opts_.java);
  if (!fs::exists(zookeeper_jar))
    throw std::runtime_error(std::string{"zookeeper: "} + zookeeper_jar
                             + " missing; apt-get install zookeeper");
  classpath_ = zookeeper_jar;
  if (fs::exists(slf4j_simple_jar))
    classpath_ += std::string{":"} + slf4j_simple_jar;

  std::string parent = opts_.parent_dir;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = parent + "/troupe-zookeeper-XXXXXX";
  if (!::mkdtemp(templ.data()))
    throw std::runtime_error("zookeeper: cannot create a directory in " + parent + ": "
                             + std::strerror(errno));
  base_dir_ = templ;

  auto started = steady_clock::now();
  std::string problem;
  try {
    auto port = [] { return runtime::pick_free_port(); };
    servers_.resize(static_cast<size_t>(opts_.servers));
    for (size_t i = 0; i < servers_.size(); ++i) {
      auto& s = servers_[i];
      s.id = static_cast<int>(i) + 1;
      s.dir = base_dir_ + "/server" + std::to_string(s.id);
      s.client_port = port();
      s.quorum_port = port();
      s.election_port = port();
    }
    for (auto& s : servers_) {
      fs::create_directories(s.dir + "/data");
      write_config(s);
    }
    for (auto& s : servers_)
      launch(s);
    problem = wait_ready(opts_.start_timeout);
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (!problem.empty()) {
    for (auto& s : servers_)
      s.proc.reset(); // SIGKILL and reap
    std::error_code ec;
    if (opts_.keep_dir_on_failure)
      problem += " (files kept in " + base_dir_ + ")";
    else
      fs::remove_all(base_dir_, ec);
    throw std::runtime_error("zookeeper: " + problem);
  }
  start_seconds_ = std::chrono::duration<double>(steady_clock::now() - started).count();
}

zookeeper_ensemble::~zookeeper_ensemble() {
  for (auto& s : servers_)
    if (s.proc)
      s.proc->signal(SIGTERM);
  auto deadline = steady_clock::now() + milliseconds(5000);
  for (auto& s : servers_) {
    if (!s.proc)
      continue;
    auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    if (!s.proc->wait(std::max(left, milliseconds(0))))
      s.proc->signal(SIGKILL);
    s.proc.reset(); // reaps (SIGKILL first if still running)
  }
  std::error_code ec;
  fs::remove_all(base_dir_, ec);
}

void zookeeper_ensemble::write_config(const server& s) const {
  std::ofstream cfg(s.dir + "/zoo.cfg");
  cfg << "# written by troupe bench keeper\n"
      << "tickTime=2000\n"
      << "initLimit=10\n" // ticks a follower may take to connect and sync
      << "syncLimit=5\n"
      << "dataDir=" << s.dir << "/data\n"
      << "clientPort=" << s.client_port << "\n"
      << "clientPortAddress=127.0.0.1\n"
      << "forceSync=yes\n" // fsync the transaction log before acking, like troupe
      << "maxClientCnxns=0\n" // benchmark sessions all come from 127.0.0.1 (default 60)
      << "4lw.commands.whitelist=srvr,stat,mntr,ruok\n"
      << "admin.enableServer=false\n"
      << "autopurge.purgeInterval=0\n";
  for (auto& o : servers_)
    cfg << "server." << o.id << "=127.0.0.1:" << o.quorum_port << ":" << o.election_port << "\n";
  std::ofstream(s.dir + "/data/myid") << s.id << "\n";
  if (!cfg.flush())
    throw std::runtime_error("cannot write " + s.dir + "/zoo.cfg");
}

void zookeeper_ensemble::launch(server& s) {
  std::vector<std::string> args{
    "-c", "out=$1; shift; exec \"$@\" >>\"$out\" 2>&1 </dev/null", "sh", s.dir + "/server.out",
    java_,
    "-Xmx" + opts_.heap,
    "-XX:-UsePerfData", // no hsperfdata files in /tmp
    "-XX:ErrorFile=" + s.dir + "/hs_err_%p.log",
    "-Dzookeeper.log.dir=" + s.dir,
    "-Dorg.slf4j.simpleLogger.logFile=" + s.dir + "/zookeeper.log",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
    "-Dorg.slf4j.simpleLogger.showDateTime=true",
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
    "-Dzookeeper.admin.enableServer=false",
    "-Dzookeeper.jmx.log4j.disable=true",
    "-cp", classpath_,
    main_class,
    s.dir + "/zoo.cfg",
  };
  s.proc = std::make_unique<runtime::child_process>("/bin/sh", args, true);
}

std::string zookeeper_ensemble::log_hint(const server& s) const {
  for (auto* name : {"/zookeeper.log", "/server.out"}) {
    auto path = s.dir + name;
    if (auto line = last_interesting_line(path); !line.empty())
      return path + ": " + line;
  }
  return "no output in " + s.dir;
}

std::string zookeeper_ensemble::connect_string() const {
  std::string out;
  for (auto& s : servers_)
    out += (out.empty() ? "" : ",") + std::string{"127.0.0.1:"} + std::to_string(s.client_port);
  return out;
}

pid_t zookeeper_ensemble::pid(size_t i) const {
  auto& s = servers_.at(i);
  return s.proc && s.proc->running() ? s.proc->pid() : -1;
}

bool zookeeper_ensemble::running(size_t i) const {
  return pid(i) > 0;
}

std::optional<std::string> zookeeper_ensemble::mode(size_t i, milliseconds timeout) const {
  auto reply = zookeeper_4lw(servers_.at(i).client_port, "srvr", timeout);
  if (!reply)
    return std::nullopt;
  auto at = reply->find("Mode: ");
  if (at == std::string::npos)
    return std::nullopt; // "This ZooKeeper instance is not currently serving requests"
  auto end = reply->find('\n', at);
  return reply->substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
}

std::optional<size_t> zookeeper_ensemble::leader(milliseconds timeout) const {
  auto deadline = steady_clock::now() + timeout;
  for (;;) {
    for (size_t i = 0; i < servers_.size(); ++i)
      if (running(i) && mode(i, milliseconds(500)) == std::optional<std::string>{"leader"})
        return i;
    if (steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

std::string zookeeper_ensemble::wait_ready(milliseconds timeout) const {
  auto deadline = steady_clock::now() + timeout;
  std::string waiting;
  for (;;) {
    waiting.clear();
    int leaders = 0;
    for (auto& s : servers_) {
      auto i = static_cast<size_t>(s.id - 1);
      if (!s.proc)
        continue; // killed on purpose
      if (auto status = s.proc->poll())
        return "server " + std::to_string(s.id) + " exited with status " + std::to_string(*status)
               + " (" + log_hint(s) + ")";
      auto m = mode(i, milliseconds(500));
      if (!m) {
        waiting += (waiting.empty() ? "" : "; ") + std::string{"server "} + std::to_string(s.id)
                   + " not serving on port " + std::to_string(s.client_port);
        continue;
      }
      if (*m == "leader" || *m == "standalone")
        ++leaders;
      else if (*m != "follower")
        waiting += (waiting.empty() ? "" : "; ") + std::string{"server "} + std::to_string(s.id)
                   + " is " + *m;
    }
    if (waiting.empty() && leaders == 1)
      return {};
    if (waiting.empty())
      waiting = std::to_string(leaders) + " leaders";
    if (steady_clock::now() >= deadline) {
      std::string hint;
      for (auto& s : servers_)
        if (s.proc && !mode(static_cast<size_t>(s.id - 1), milliseconds(200))) {
          hint = " (" + log_hint(s) + ")";
          break;
        }
      return "ensemble not ready within " + seconds_str(timeout) + ": " + waiting + hint;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
}

void zookeeper_ensemble::kill(size_t i, int sig) {
  auto& s = servers_.at(i);
  if (!s.proc)
    return;
  s.proc->signal(sig);
  if (sig != SIGKILL && sig != SIGTERM)
    return;
  if (!s.proc->wait(milliseconds(10000)))
    s.proc->signal(SIGKILL);
  s.proc.reset();
}

void zookeeper_ensemble::restart(size_t i) {
  auto& s = servers_.at(i);
  if (s.proc && s.proc->running())
    throw std::runtime_error("zookeeper: server " + std::to_string(s.id) + " is still running");
  launch(s);
}

} // namespace troupe::cli
