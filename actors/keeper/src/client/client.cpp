// The blocking client (client.hpp): requests through a scoped actor to the
// client actor; watch callbacks on a dispatcher actor.
#include "troupe/keeper/client.hpp"
#include "troupe/keeper/client_actor.hpp"

#include <mutex>
#include <thread>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "troupe/keeper/keeper_machine.hpp"
#include "troupe/messages/wire.hpp"
#include "troupe/runtime/actor_system_setup.hpp"

namespace troupe::keeper {

keeper_error::keeper_error(error code, const std::string& path)
  : std::runtime_error(std::string{error_name(code)} + (path.empty() ? "" : " for " + path)),
    code_(code), path_(path) {}

stat from_wire(const wire::Stat& w) {
  stat st;
  st.czxid = w.czxid();
  st.mzxid = w.mzxid();
  st.pzxid = w.pzxid();
  st.ctime = w.ctime();
  st.mtime = w.mtime();
  st.version = w.version();
  st.cversion = w.cversion();
  st.aversion = w.aversion();
  st.ephemeral_owner = w.ephemeral_owner();
  st.data_length = w.data_length();
  st.num_children = w.num_children();
  return st;
}

namespace {

// Callbacks by tag; a one-shot one goes after it ran.
struct callbacks {
  std::mutex mtx;
  uint64_t next = 1;
  std::map<uint64_t, std::pair<watcher, bool>> by_tag; // tag -> (fn, persistent)
  std::map<uint64_t, std::function<void(session_state)>> state_listeners; // by token
  session_state state = session_state::disconnected;
};

caf::behavior dispatcher(caf::event_based_actor* self, std::shared_ptr<callbacks> cbs, caf::actor client) {
  self->send(client, client_atoms::subscribe::value);
  return {
    [cbs](const wire::WatchEvent& e, uint64_t tag) {
      watcher fn;
      {
        std::lock_guard<std::mutex> guard{cbs->mtx};
        auto i = cbs->by_tag.find(tag);
        if (i == cbs->by_tag.end())
          return;
        fn = i->second.first;
        if (!i->second.second)
          cbs->by_tag.erase(i);
      }
      if (fn)
        fn(watch_event{static_cast<event_type>(e.type()), e.path()});
    },
    [cbs](client_atoms::state, int32_t s) {
      std::vector<std::function<void(session_state)>> fns;
      {
        std::lock_guard<std::mutex> guard{cbs->mtx};
        cbs->state = static_cast<session_state>(s);
        for (auto& [token, fn] : cbs->state_listeners)
          fns.push_back(fn);
      }
      for (auto& fn : fns) // outside the lock: a listener may call the client
        fn(static_cast<session_state>(s));
    },
  };
}

} // namespace

struct client::impl {
  std::unique_ptr<caf::actor_system_config> own_cfg;
  std::unique_ptr<caf::actor_system> own_sys;
  caf::actor_system* sys = nullptr;
  caf::actor actor;
  caf::actor events;
  std::shared_ptr<callbacks> cbs = std::make_shared<callbacks>();
  client_options opts;
  bool closed = false;

  void start(client_config cfg) {
    cfg.session_timeout = opts.session_timeout;
    actor = spawn_client(*sys, std::move(cfg));
    events = sys->spawn(dispatcher, cbs, actor);
    // Wait for the first connection.
    auto deadline = std::chrono::steady_clock::now() + opts.connect_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard<std::mutex> guard{cbs->mtx};
        if (cbs->state == session_state::connected)
          return;
        if (cbs->state == session_state::expired)
          break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    stop();
    throw keeper_error(error::connection_loss, "");
  }

  void stop() {
    if (actor)
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    if (events)
      caf::anon_send_exit(events, caf::exit_reason::user_shutdown);
    actor = events = nullptr;
  }

  wire::Response call(wire::Request& req, const watcher& w, bool persistent) {
    uint64_t tag = 0;
    if (w) {
      std::lock_guard<std::mutex> guard{cbs->mtx};
      tag = cbs->next++;
      cbs->by_tag.emplace(tag, std::make_pair(w, persistent));
    }
    if (opts.linearizable_reads)
      req.set_linearizable(true);
    bool is_exists = req.has_exists(); // req is moved into the request below
    caf::scoped_actor self{*sys};
    wire::Response out;
    bool answered = false;
    auto timeout = opts.request_timeout;
    auto on_answer = [&](wire::Response& r) {
      out = std::move(r);
      answered = true;
    };
    auto on_error = [&](caf::error&) {};
    if (w)
      self->request(actor, timeout, std::move(req), events, tag).receive(on_answer, on_error);
    else
      self->request(actor, timeout, std::move(req)).receive(on_answer, on_error);
    if (!answered) {
      // A client actor that quit means the session ended; otherwise the
      // request is still out there: OperationTimeout.
      session_state now;
      {
        std::lock_guard<std::mutex> guard{cbs->mtx};
        now = cbs->state;
      }
      auto e = now == session_state::expired       ? error::session_expired
             : now == session_state::auth_failed ? error::auth_failed
             : now == session_state::closed      ? error::connection_loss
                                                 : error::operation_timeout;
      out.mutable_result()->set_err(static_cast<int32_t>(e));
      if (w) {
        std::lock_guard<std::mutex> guard{cbs->mtx};
        cbs->by_tag.erase(tag);
      }
    } else if (w && out.result().err() != 0 &&
               !(out.result().err() == static_cast<int32_t>(error::no_node) && is_exists)) {
      std::lock_guard<std::mutex> guard{cbs->mtx};
      cbs->by_tag.erase(tag); // no watch was set
    }
    return out;
  }

  wire::OpResult checked(wire::Request req, const std::string& path, const watcher& w = {},
                         bool persistent = false) {
    auto r = call(req, w, persistent);
    if (r.result().err() != 0)
      throw keeper_error(static_cast<error>(r.result().err()), path);
    return std::move(*r.mutable_result());
  }
};

client::client(const std::string& connect_string, client_options opts) : impl_(std::make_unique<impl>()) {
  client_config cfg;
  try {
    cfg.servers = parse_connect_string(connect_string);
  } catch (const std::invalid_argument& e) {
    throw keeper_error(error::bad_arguments, e.what());
  }
  cfg.connect_timeout = std::chrono::milliseconds(1000);
  cfg.seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  runtime::tls_files tls{opts.tls_cert, opts.tls_key, opts.tls_ca};
  try {
    runtime::validate_tls_files(tls);
  } catch (const runtime::config_error& e) {
    throw keeper_error(error::bad_arguments, e.what());
  }
  impl_->own_cfg = std::make_unique<caf::actor_system_config>();
  runtime::runtime_tuning tuning;
  tuning.threads = 2;
  runtime::configure_actor_system(*impl_->own_cfg, tuning, tls);
  impl_->own_sys = std::make_unique<caf::actor_system>(*impl_->own_cfg);
  impl_->sys = impl_->own_sys.get();
  impl_->opts = opts;
  impl_->start(std::move(cfg));
}

client::client(const in_actor_system& where, client_options opts) : impl_(std::make_unique<impl>()) {
  impl_->sys = &where.sys;
  impl_->opts = opts;
  impl_->start(where.cfg);
}

client::~client() {
  try {
    close();
  } catch (...) {
  }
  impl_->stop();
}

void client::close() {
  if (impl_->closed || !impl_->actor)
    return;
  impl_->closed = true;
  caf::scoped_actor self{*impl_->sys};
  self->request(impl_->actor, impl_->opts.request_timeout, client_atoms::close::value)
    .receive([](int32_t) {}, [](caf::error&) {});
  impl_->stop();
}

int64_t client::session_id() const {
  caf::scoped_actor self{*impl_->sys};
  int64_t id = 0;
  self->request(impl_->actor, std::chrono::seconds(5), client_atoms::info::value)
    .receive([&](const wire::ConnectResponse& r) { id = r.session_id(); }, [](caf::error&) {});
  return id;
}

std::string client::member() const {
  caf::scoped_actor self{*impl_->sys};
  std::string m;
  self->request(impl_->actor, std::chrono::seconds(5), client_atoms::info::value)
    .receive([&](const wire::ConnectResponse& r) { m = r.member(); }, [](caf::error&) {});
  return m;
}

session_state client::state() const {
  std::lock_guard<std::mutex> guard{impl_->cbs->mtx};
  return impl_->cbs->state;
}

uint64_t client::on_state(std::function<void(session_state)> f) {
  std::lock_guard<std::mutex> guard{impl_->cbs->mtx};
  auto token = impl_->cbs->next++;
  impl_->cbs->state_listeners.emplace(token, std::move(f));
  return token;
}

void client::remove_state_listener(uint64_t token) {
  std::lock_guard<std::mutex> guard{impl_->cbs->mtx};
  impl_->cbs->state_listeners.erase(token);
}

std::string client::create(const std::string& path, const std::string& data, create_mode mode,
                           const acl_list& acl, int64_t ttl_ms) {
  wire::Request req;
  auto* c = req.mutable_write()->mutable_create();
  c->set_path(path);
  c->set_data(data);
  c->set_mode(static_cast<int32_t>(mode));
  c->set_ttl_ms(ttl_ms > 0 ? ttl_ms : 0);
  to_wire(acl, c->mutable_acl());
  return impl_->checked(std::move(req), path).path();
}

void client::remove(const std::string& path, int32_t version) {
  wire::Request req;
  req.mutable_write()->mutable_delete_()->set_path(path);
  req.mutable_write()->mutable_delete_()->set_version(version);
  impl_->checked(std::move(req), path);
}

stat client::set(const std::string& path, const std::string& data, int32_t version) {
  wire::Request req;
  auto* s = req.mutable_write()->mutable_set_data();
  s->set_path(path);
  s->set_data(data);
  s->set_version(version);
  return from_wire(impl_->checked(std::move(req), path).stat());
}

std::string client::get(const std::string& path, stat* st, watcher w) {
  wire::Request req;
  req.mutable_get_data()->set_path(path);
  req.mutable_get_data()->set_watch(static_cast<bool>(w));
  auto r = impl_->checked(std::move(req), path, w);
  if (st)
    *st = from_wire(r.stat());
  return std::move(*r.mutable_data());
}

std::optional<stat> client::exists(const std::string& path, watcher w) {
  wire::Request req;
  req.mutable_exists()->set_path(path);
  req.mutable_exists()->set_watch(static_cast<bool>(w));
  auto r = impl_->call(req, w, false);
  if (r.result().err() == static_cast<int32_t>(error::no_node))
    return std::nullopt;
  if (r.result().err() != 0)
    throw keeper_error(static_cast<error>(r.result().err()), path);
  return from_wire(r.result().stat());
}

std::vector<std::string> client::children(const std::string& path, watcher w, stat* st) {
  wire::Request req;
  req.mutable_get_children()->set_path(path);
  req.mutable_get_children()->set_watch(static_cast<bool>(w));
  auto r = impl_->checked(std::move(req), path, w);
  if (st)
    *st = from_wire(r.stat());
  return {r.children().begin(), r.children().end()};
}

std::vector<op_result> client::multi(const std::vector<op>& ops) {
  wire::Request req;
  auto* m = req.mutable_write()->mutable_multi();
  for (auto& o : ops) {
    auto* w = m->add_ops();
    switch (o.type) {
      case op_type::create: {
        auto* c = w->mutable_create();
        c->set_path(o.path);
        c->set_data(o.data);
        c->set_mode(static_cast<int32_t>(o.mode));
        c->set_ttl_ms(o.ttl_ms > 0 ? o.ttl_ms : 0);
        to_wire(o.acls.empty() ? open_acl_unsafe() : o.acls, c->mutable_acl());
        break;
      }
      case op_type::remove:
        w->mutable_delete_()->set_path(o.path);
        w->mutable_delete_()->set_version(o.version);
        break;
      case op_type::set_data:
        w->mutable_set_data()->set_path(o.path);
        w->mutable_set_data()->set_data(o.data);
        w->mutable_set_data()->set_version(o.version);
        break;
      case op_type::check:
        w->mutable_check()->set_path(o.path);
        w->mutable_check()->set_version(o.version);
        break;
    }
  }
  auto r = impl_->checked(std::move(req), "");
  std::vector<op_result> out;
  for (int i = 0; i < r.results_size(); ++i) {
    op_result x;
    x.type = ops[static_cast<size_t>(i)].type;
    x.err = static_cast<error>(r.results(i).err());
    x.path = r.results(i).path();
    x.st = from_wire(r.results(i).stat());
    out.push_back(std::move(x));
  }
  return out;
}

void client::sync(const std::string& path) {
  wire::Request req;
  req.mutable_sync()->set_path(path);
  impl_->checked(std::move(req), path);
}

void client::add_watch(const std::string& path, bool recursive, watcher w) {
  wire::Request req;
  req.mutable_add_watch()->set_path(path);
  req.mutable_add_watch()->set_recursive(recursive);
  impl_->checked(std::move(req), path, std::move(w), true);
}

void client::add_auth(const std::string& scheme, const std::string& credentials) {
  wire::Request req;
  req.mutable_auth()->set_scheme(scheme);
  req.mutable_auth()->set_auth(credentials);
  impl_->checked(std::move(req), "");
}

acl_list client::get_acl(const std::string& path, stat* st) {
  wire::Request req;
  req.mutable_get_acl()->set_path(path);
  auto r = impl_->checked(std::move(req), path);
  if (st)
    *st = from_wire(r.stat());
  return keeper::from_wire(r.acl());
}

stat client::set_acl(const std::string& path, const acl_list& acl, int32_t version) {
  wire::Request req;
  auto* s = req.mutable_write()->mutable_set_acl();
  s->set_path(path);
  s->set_version(version);
  to_wire(acl, s->mutable_acl());
  return from_wire(impl_->checked(std::move(req), path).stat());
}

std::vector<std::string> client::ephemerals(const std::string& prefix) {
  wire::Request req;
  req.mutable_get_ephemerals()->set_prefix(prefix);
  auto r = impl_->checked(std::move(req), prefix);
  return {r.children().begin(), r.children().end()};
}

int32_t client::all_children_number(const std::string& path) {
  wire::Request req;
  req.mutable_get_all_children_number()->set_path(path);
  return static_cast<int32_t>(impl_->checked(std::move(req), path).count());
}

wire::Response client::call(wire::Request req, watcher w, bool persistent_watch) {
  return impl_->call(req, w, persistent_watch);
}

} // namespace troupe::keeper
