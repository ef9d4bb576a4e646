// crema: the command line. Parses flags (CLI11 lives only in this file: it is slow to
// compile), then hands over to app/.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "app/config.hpp"
#include "app/demo_seed.hpp"
#include "app/server_app.hpp"

namespace {

std::string settings_footer() {
  std::string out =
      "\nEvery setting is an environment variable and also a flag of the same name\n"
      "(CREMA_DATABASE_URL is --database-url); a flag wins over the variable.\n\nSettings:\n";
  for (const auto& s : crema::app::settings()) {
    out += "  " + std::string(s.name) + " (default " + std::string(s.default_text) + ")\n      " +
           std::string(s.help) + "\n";
  }
  return out;
}

std::string read_password_from_stdin() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "crema: the backend of a café and bakery (REST API, WebSocket feed, "
      "SQLite or PostgreSQL)"};
  app.set_version_flag("--version", CREMA_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(settings_footer());

  std::map<std::string, std::string> flag_values;
  for (const auto& s : crema::app::settings()) {
    auto& value = flag_values[std::string(s.name)];
    app.add_option("--" + crema::app::flag_name(s.name), value, std::string(s.help))
        ->option_text("VALUE")
        ->group("Settings");
  }

  auto* serve = app.add_subcommand("serve",
                                   "Run the server (applies migrations first unless "
                                   "CREMA_AUTO_MIGRATE=0)");
  auto* migrate = app.add_subcommand("migrate", "Apply pending schema migrations and exit");
  auto* create_admin = app.add_subcommand("create-admin",
                                          "Create an admin account (the password is read from "
                                          "standard input)");
  auto* worker = app.add_subcommand(
      "worker",
      "Run only the background work: outbox workers (notifications, webhooks), periodic "
      "jobs and the refund job");
  auto* openapi = app.add_subcommand(
      "openapi", "Print the OpenAPI document that GET /openapi.json serves, and exit");
  auto* seed_demo = app.add_subcommand(
      "seed-demo", "Fill an empty database with a demo café-bakery (menu, recipes, stock, staff)");
  auto* backup =
      app.add_subcommand("backup",
                         "Write a consistent copy of the database to a file, while servers run "
                         "(SQLite: its backup API; PostgreSQL: pg_dump custom format)");
  std::string backup_out;
  backup->add_option("--out", backup_out, "The backup file to write")->required();
  auto* restore = app.add_subcommand(
      "restore", "Bring a backup back into the database (stop the servers first)");
  std::string restore_in;
  bool restore_force = false;
  restore->add_option("--in", restore_in, "The backup file to read")->required();
  restore->add_flag("--force", restore_force,
                    "Replace the contents of a database that already holds tables");
  auto* migrate_store = app.add_subcommand(
      "migrate-store", "Move every row from an SQLite database into an empty PostgreSQL one");
  std::string store_from, store_to;
  migrate_store->add_option("--from", store_from, "The SQLite database (sqlite://PATH)")
      ->required();
  migrate_store->add_option("--to", store_to, "The PostgreSQL database (postgresql://…)")
      ->required();
  std::string admin_email;
  bool password_stdin = false;
  create_admin->add_option("--email", admin_email, "The admin's email address")->required();
  create_admin
      ->add_flag("--password-stdin", password_stdin,
                 "Read the password from standard input (required)")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : crema::app::kExitConfig;
  }

  // The document needs no settings and no database (the web app's build runs this).
  if (*openapi) return crema::app::run_openapi();

  std::map<std::string, std::string> overrides;
  for (const auto& s : crema::app::settings()) {
    if (app.count("--" + crema::app::flag_name(s.name)) > 0)
      overrides[std::string(s.name)] = flag_values[std::string(s.name)];
  }
  auto loaded = crema::app::load_config(crema::app::environment_map(), overrides,
                                        std::thread::hardware_concurrency());
  for (const auto& w : loaded.warnings) std::fprintf(stderr, "crema: warning: %s\n", w.c_str());
  if (!loaded.config) {
    std::fprintf(stderr, "crema: %s\n", loaded.error.c_str());
    return crema::app::kExitConfig;
  }

  if (*serve) return crema::app::run_serve(std::move(*loaded.config));
  if (*worker) return crema::app::run_worker(std::move(*loaded.config));
  if (*migrate) return crema::app::run_migrate(*loaded.config);
  if (*seed_demo) return crema::app::run_seed_demo(*loaded.config);
  if (*backup) return crema::app::run_backup(*loaded.config, backup_out);
  if (*restore) return crema::app::run_restore(*loaded.config, restore_in, restore_force);
  if (*migrate_store) return crema::app::run_migrate_store(*loaded.config, store_from, store_to);
  if (*create_admin) {
    if (isatty(STDIN_FILENO))
      std::fprintf(stderr, "password (at least 10 characters), then Enter: ");
    return crema::app::run_create_admin(*loaded.config, admin_email, read_password_from_stdin());
  }
  return crema::app::kExitConfig;
}
