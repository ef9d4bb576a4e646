// Black-box tests of `crema backup` / `crema restore` and the server's daily backup
// (SPEC §13), through the real binary on the store under test.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "app/demo_seed.hpp"
#include "db/backup.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"

namespace crema::test::e2e {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

std::string menu_of(const std::string& database_url) {
  ServerProcess server({.database_url = database_url});
  auto res = client_for(server)->get("/api/v1/menu");
  EXPECT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(server.stop(), 0);
  return res.body;
}

TEST(BackupCommands, BackupWhileServingThenRestoreIntoAFreshStoreServesTheSameMenu) {
  CREMA_E2E_REQUIRE_STORE();
  auto source = fresh_database();
  auto seeded = run_crema({"seed-demo"}, {{"CREMA_DATABASE_URL", source->url()}});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.out << seeded.err;
  ScratchDir dir("crema-e2e-backup-");
  const std::string file = dir.file("crema.bak");

  std::string menu;
  {
    // The copy is taken while a server runs on the store.
    ServerProcess server({.database_url = source->url()});
    auto res = client_for(server)->get("/api/v1/menu");
    ASSERT_EQ(res.status, 200) << res.describe();
    menu = res.body;
    auto backup =
        run_crema({"backup", "--out", file}, {{"CREMA_DATABASE_URL", source->url()}}, {}, 60s);
    ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
    EXPECT_NE(backup.out.find("backup written to " + file), std::string::npos) << backup.out;
    EXPECT_EQ(server.stop(), 0);
  }
  EXPECT_EQ(db::backup_kind(file),
            store_is_postgres() ? db::BackupKind::postgres_custom : db::BackupKind::sqlite);
  // A backup holds every customer's details and password hash: its owner's alone.
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  if (!store_is_postgres()) {
    const std::string db_file = source->url().substr(std::string_view("sqlite://").size());
    EXPECT_EQ(fs::status(db_file).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << "the database file " << db_file;
    if (fs::exists(db_file + "-wal")) {
      EXPECT_EQ(fs::status(db_file + "-wal").permissions() & fs::perms::all,
                fs::perms::owner_read | fs::perms::owner_write);
    }
  }

  auto target = fresh_database();
  auto restore =
      run_crema({"restore", "--in", file}, {{"CREMA_DATABASE_URL", target->url()}}, {}, 60s);
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  EXPECT_EQ(menu_of(target->url()), menu);

  // Again on the now non-empty store: refused without --force, accepted with it.
  auto again =
      run_crema({"restore", "--in", file}, {{"CREMA_DATABASE_URL", target->url()}}, {}, 60s);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  auto forced = run_crema({"restore", "--in", file, "--force"},
                          {{"CREMA_DATABASE_URL", target->url()}}, {}, 60s);
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_EQ(menu_of(target->url()), menu);
}

TEST(BackupCommands, OrdersArrivingDuringTheBackupRestoreAsOneConsistentInstant) {
  CREMA_E2E_REQUIRE_STORE();
  auto source = fresh_database();
  // One JWT secret for both servers, so the restored sessions' tokens still verify.
  auto options = identity_server({{"CREMA_JWT_SECRET", "backup-test-secret-0123456789-abcdefgh"},
                                  {"CREMA_USER_RATE_PER_MIN", "0"}});
  options.database_url = source->url();
  ScratchDir dir("crema-e2e-backup-");
  const std::string file = dir.file("crema.bak");

  std::vector<std::string> before_backup;
  std::vector<std::string> acknowledged;
  std::string pid;
  // Enough stock that the till never runs out before the backup ends (with 500, a fast
  // store sold out during the copy and no order came after it).
  constexpr int kStock = 1'000'000;
  std::string manager;
  {
    ServerProcess server(options);
    AuthHelper auth(server);
    manager = auth.token("manager");
    auto client = client_for(server);
    auto product =
        post_json(*client, "/api/v1/products",
                  {{"name", "Backup bun"}, {"category", "Backup"}, {"price", 2}, {"stock", kStock}},
                  auth.bearer("manager"));
    ASSERT_EQ(product.status, 201) << product.describe();
    pid = std::string(product.object().at("id").as_string());
    const std::string staff = auth.token("staff");
    std::mutex mutex;
    std::atomic<bool> stop{false};
    std::thread till([&] {
      auto c = client_for(server);
      while (!stop) {
        auto res =
            post_json(*c, "/api/v1/orders",
                      {{"type", "takeaway"},
                       {"items", json::array{json::object{{"product_id", pid}, {"quantity", 1}}}}},
                      {{"Authorization", "Bearer " + staff}});
        if (res.status != 201) continue;
        std::lock_guard lock(mutex);
        acknowledged.emplace_back(res.object().at("id").as_string());
      }
    });
    while (true) {
      std::this_thread::sleep_for(10ms);
      std::lock_guard lock(mutex);
      if (acknowledged.size() >= 20) {
        before_backup = acknowledged;
        break;
      }
    }
    auto backup =
        run_crema({"backup", "--out", file}, {{"CREMA_DATABASE_URL", source->url()}}, {}, 60s);
    // Orders keep arriving after the copy too.
    std::this_thread::sleep_for(200ms);
    stop = true;
    till.join();
    ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
    EXPECT_EQ(server.stop(), 0);
  }

  auto target = fresh_database();
  auto restore =
      run_crema({"restore", "--in", file}, {{"CREMA_DATABASE_URL", target->url()}}, {}, 60s);
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  options.database_url = target->url();
  ServerProcess restored(options);
  auto client = client_for(restored);
  std::set<std::string> in_copy;
  std::string cursor;
  for (int page = 0; page < 10'000; ++page) {
    auto res = client->get("/api/v1/orders?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor),
                           {{"Authorization", "Bearer " + manager}});
    ASSERT_EQ(res.status, 200) << res.describe();
    for (const auto& o : res.object().at("items").as_array())
      in_copy.insert(std::string(o.at("id").as_string()));
    if (res.object().at("next_cursor").is_null()) break;
    cursor = std::string(res.object().at("next_cursor").as_string());
  }
  const std::set<std::string> acked(acknowledged.begin(), acknowledged.end());
  for (const auto& id : before_backup)
    EXPECT_TRUE(in_copy.count(id))
        << "order " << id << " acknowledged before the backup is missing";
  for (const auto& id : in_copy) EXPECT_TRUE(acked.count(id)) << "order " << id << " never placed";
  EXPECT_LT(in_copy.size(), acked.size()) << "orders placed after the copy are in it";
  // The stock in the copy is the same instant as its orders: one unit reserved per order.
  auto stock = client->get("/api/v1/inventory/" + pid, {{"Authorization", "Bearer " + manager}});
  ASSERT_EQ(stock.status, 200) << stock.describe();
  EXPECT_EQ(stock.object().at("reserved").to_number<double>(), static_cast<double>(in_copy.size()));
  EXPECT_EQ(stock.object().at("on_hand").to_number<double>(), static_cast<double>(kStock));
  EXPECT_EQ(restored.stop(), 0);
}

TEST(BackupCommands, BadArgumentsAreOneClearLine) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto no_out = run_crema({"backup"}, {{"CREMA_DATABASE_URL", db->url()}});
  EXPECT_EQ(no_out.exit_code, 2) << no_out.err;
  EXPECT_NE(no_out.err.find("--out"), std::string::npos) << no_out.err;

  ScratchDir dir("crema-e2e-backup-");
  const auto junk = dir.write("junk", "not a backup at all");
  auto bad = run_crema({"restore", "--in", junk}, {{"CREMA_DATABASE_URL", db->url()}});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("is not a Crema backup"), std::string::npos) << bad.err;
  auto nowhere = run_crema({"backup", "--out", dir.file("missing/dir/x.bak")},
                           {{"CREMA_DATABASE_URL", db->url()}});
  EXPECT_EQ(nowhere.exit_code, 1);
  EXPECT_NE(nowhere.err.find("does not exist"), std::string::npos) << nowhere.err;
}

TEST(DailyBackup, TheServerWritesOneWhenDueAndKeepsTheNewest) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  ScratchDir dir("crema-e2e-daily-");
  const std::string ext = store_is_postgres() ? ".pgdump" : ".sqlite";
  // Three older backups, two days old: a new one is due at start, and with KEEP=2 the two
  // oldest go.
  const char* old_names[] = {"crema-20200101T000000Z", "crema-20200102T000000Z",
                             "crema-20200103T000000Z"};
  for (const char* name : old_names) {
    const auto path = dir.write(std::string(name) + ext, "old");
    fs::last_write_time(path, fs::file_time_type::clock::now() - 48h);
  }
  const auto unrelated = dir.write("notes.txt", "kept");

  ServerProcess server(
      {.database_url = db->url(),
       .env = {{"CREMA_BACKUP_DIR", dir.path().string()}, {"CREMA_BACKUP_KEEP", "2"}}});
  auto written = server.wait_for_log(
      [](const boost::json::object& o) {
        auto* msg = o.if_contains("msg");
        return msg && msg->is_string() && msg->as_string() == "backup written";
      },
      30s);
  ASSERT_TRUE(written) << server.stdout_text() << server.stderr_text();
  const std::string file(written->at("file").as_string());
  EXPECT_EQ(db::backup_kind(file),
            store_is_postgres() ? db::BackupKind::postgres_custom : db::BackupKind::sqlite);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // Pruning follows the write in the same pass.
  ASSERT_TRUE(server.wait_for_log(
      [](const boost::json::object& o) {
        auto* msg = o.if_contains("msg");
        return msg && msg->is_string() && msg->as_string() == "backup pruned";
      },
      10s));
  std::this_thread::sleep_for(200ms);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir.path()))
    left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  ASSERT_EQ(left.size(), 3u) << ::testing::PrintToString(left);
  EXPECT_EQ(left[0], std::string(old_names[2]) + ext);  // the newest old one stays
  EXPECT_EQ(fs::path(file).filename().string(), left[1]);
  EXPECT_EQ(left[2], "notes.txt");
  EXPECT_TRUE(fs::exists(unrelated));
  EXPECT_EQ(server.stop(), 0);
}

TEST(MigrateStore, AnSqliteShopMovedToPostgresServesTheSameMenuAndAccounts) {
  CREMA_E2E_REQUIRE_STORE();
  if (!store_is_postgres()) GTEST_SKIP() << "needs PostgreSQL: runs in e2e_postgres";
  ScratchDir dir("crema-e2e-move-");
  const std::string sqlite_url = "sqlite://" + dir.file("shop.db");
  auto seeded = run_crema({"seed-demo"}, {{"CREMA_DATABASE_URL", sqlite_url}}, {}, 60s);
  ASSERT_EQ(seeded.exit_code, 0) << seeded.out << seeded.err;
  const std::string menu = menu_of(sqlite_url);

  auto target = fresh_database();
  auto moved =
      run_crema({"migrate-store", "--from", sqlite_url, "--to", target->url()}, {}, {}, 120s);
  ASSERT_EQ(moved.exit_code, 0) << moved.out << moved.err;
  EXPECT_NE(moved.out.find("moved "), std::string::npos) << moved.out;
  // The PostgreSQL URL's password never shows: the command prints table names and counts.
  EXPECT_EQ(moved.out.find("postgresql://"), std::string::npos) << moved.out;

  EXPECT_EQ(menu_of(target->url()), menu);
  {
    ServerProcess server({.database_url = target->url()});
    auto login = client_for(server)->post(
        "/api/v1/auth/login",
        std::string(R"({"email":"manager@crema.demo","password":")") + app::kDemoPassword + "\"}");
    EXPECT_EQ(login.status, 200) << login.describe();
    // The demo café's hours and its order for tomorrow (SPEC §15.3) came along.
    auto settings = client_for(server)->get("/api/v1/settings");
    ASSERT_EQ(settings.status, 200) << settings.describe();
    EXPECT_EQ(settings.object().at("hours").as_array().size(), 7u);
    EXPECT_EQ(settings.object().at("name"), "Crema Demo Café");
    const std::string token(login.object().at("token").as_string());
    auto waiting =
        client_for(server)->get("/api/v1/orders?due=false", {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(waiting.status, 200) << waiting.describe();
    const auto& scheduled = waiting.object().at("items").as_array();
    ASSERT_EQ(scheduled.size(), 1u) << waiting.describe();
    EXPECT_TRUE(scheduled[0].at("scheduled_for").is_string());
    EXPECT_EQ(server.stop(), 0);
  }

  // Twice: the target holds rows now, so it is refused, with one clear line.
  auto again =
      run_crema({"migrate-store", "--from", sqlite_url, "--to", target->url()}, {}, {}, 120s);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already holds rows"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace crema::test::e2e
