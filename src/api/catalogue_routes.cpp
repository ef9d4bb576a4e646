#include "api/catalogue_routes.hpp"

#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/multipart.hpp"
#include "api/pagination.hpp"
#include "repo/inventory_repo.hpp"
#include "util/json_text.hpp"
#include "util/uuid.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kCatalogueTag = "catalogue";

bool staff_plus(const Request& req) { return req.principal && req.principal->is_staff_plus(); }

ProductView view_for(const Request& req, const CatalogueContext& ctx) {
  return ProductView{staff_plus(req), ctx.currency, &ctx.images};
}

Response no_such_product(const Request& req) {
  return Response::from(ErrorCode::not_found, "No product " + std::string(req.param("id")) + ".");
}

Response product_response(int status, const domain::Product& p, const Request& req,
                          const CatalogueContext& ctx) {
  auto res = Response::json(status, product_json(p, view_for(req, ctx)));
  res.header("ETag", "\"" + std::to_string(p.version) + "\"");
  return res;
}

constexpr std::string_view kSortNames[] = {"name", "-name", "price", "-price", "newest", "rating"};

repo::ProductSort sort_of(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kSortNames); ++i)
    if (kSortNames[i] == name) return static_cast<repo::ProductSort>(i);
  return repo::ProductSort::name;
}

// The cursor of GET /products: [sort, value, id], so a cursor of one sort is refused by
// another.
json::array product_cursor_key(repo::ProductSort sort, const repo::ProductCursor& c) {
  json::array key;
  key.emplace_back(kSortNames[static_cast<std::size_t>(sort)]);
  if (repo::sort_uses_text(sort)) {
    key.emplace_back(c.text);
  } else {
    key.emplace_back(c.number);
  }
  key.emplace_back(c.id);
  return key;
}

std::optional<repo::ProductCursor> product_cursor(repo::ProductSort sort, const json::array& key) {
  if (key.size() != 3 || !key[0].is_string() ||
      key[0].get_string() != kSortNames[static_cast<std::size_t>(sort)] || !key[2].is_string())
    return std::nullopt;
  repo::ProductCursor c;
  c.id = key[2].get_string();
  if (repo::sort_uses_text(sort)) {
    if (!key[1].is_string()) return std::nullopt;
    c.text = key[1].get_string();
  } else {
    if (!key[1].is_int64()) return std::nullopt;
    c.number = key[1].get_int64();
  }
  return c;
}

Response list_products(Request& req, CatalogueContext& ctx) {
  Query query(req);
  repo::ProductFilter f;
  if (auto q = query.text("q", 100)) f.q = repo::fold_name(*q);
  f.category = query.text("category", 100);
  f.price_min = query.money("price_min");
  f.price_max = query.money("price_max");
  f.in_stock = query.boolean("in_stock");
  if (auto s = query.one_of("sort", {"name", "-name", "price", "-price", "newest", "rating"}))
    f.sort = sort_of(*s);
  f.include_inactive = query.boolean("include_inactive").value_or(false) && staff_plus(req);
  auto page = page_request(query);
  f.limit = page.limit;
  if (!page.after.empty()) {
    f.after = product_cursor(f.sort, page.after);
    if (!f.after) query.issue("cursor", "belongs to another sort; start again without it");
  }
  if (!query.ok()) return Response::from(query.error());
  const bool with_recipes = staff_plus(req);
  auto result = ctx.catalogue.list(f, with_recipes);
  json::array items;
  const auto view = view_for(req, ctx);
  for (const auto& p : result.items) items.push_back(product_json(p, view));
  std::optional<json::array> next;
  if (result.next) next = product_cursor_key(f.sort, *result.next);
  return Response::json(200, page_body(std::move(items), std::move(next)));
}

Response get_product(Request& req, CatalogueContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return no_such_product(req);
  auto p = ctx.catalogue.get(*id, staff_plus(req));
  if (!p) return Response::from(std::move(p).error());
  return product_response(200, *p, req, ctx);
}

Response create_product(Request& req, CatalogueContext& ctx) {
  Input in(req.json);
  auto input = read_product_input(in, true);
  if (!in.ok()) return Response::from(in.error());
  auto p = ctx.catalogue.create(actor_of(req), input);
  if (!p) return Response::from(std::move(p).error());
  auto res = product_response(201, *p, req, ctx);
  res.header("Location", "/api/v1/products/" + p->id);
  return res;
}

// PUT of a product: the whole patch, the stock switch, or the recipe.
enum class PutKind { product, stock, recipe };

Response put_product(Request& req, CatalogueContext& ctx, PutKind kind) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto version = expected_version(req, in);
  service::ProductInput input;
  std::string_view action = "product.update";
  switch (kind) {
    case PutKind::product:
      input = read_product_input(in, false);
      break;
    case PutKind::stock:
      input = read_stock_input(in);
      action = "product.stock";
      break;
    case PutKind::recipe:
      input = read_recipe_input(in);
      action = "product.recipe";
      break;
  }
  if (!id) return no_such_product(req);
  if (!in.ok()) return Response::from(in.error());
  auto p = ctx.catalogue.update(actor_of(req), *id, input, version, action);
  if (!p) return Response::from(std::move(p).error());
  return product_response(200, *p, req, ctx);
}

Response delete_product(Request& req, CatalogueContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return no_such_product(req);
  auto r = ctx.catalogue.remove(actor_of(req), *id);
  if (!r) return Response::from(std::move(r).error());
  return Response::no_content();
}

// POST …/images: a multipart form with the file in field `image`, or the image as the body.
Response upload_image(Request& req, CatalogueContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return no_such_product(req);
  if (!ctx.image_uploads)
    return Response::from(ErrorCode::unavailable, "Image uploads are not available here.");
  std::string_view bytes = req.body;
  const std::string content_type(req.header("content-type").value_or(""));
  if (auto boundary = multipart_boundary(content_type)) {
    auto parts = parse_multipart(req.body, *boundary);
    if (!parts) return Response::from(ErrorCode::bad_request, "The multipart body is malformed.");
    const MultipartPart* image = nullptr;
    for (const auto& p : *parts)
      if (p.name == "image") image = &p;
    if (!image)
      return Response::from(ErrorCode::validation_failed, "One field is invalid.",
                            {{"image", "is required (a form field named image)"}});
    bytes = image->body;
  } else if (content_type.rfind("multipart/", 0) == 0) {
    return Response::from(ErrorCode::bad_request, "The multipart body has no boundary.");
  }
  if (bytes.empty())
    return Response::from(ErrorCode::validation_failed, "One field is invalid.",
                          {{"image", "is required"}});
  auto img = ctx.image_uploads->add(actor_of(req), *id, bytes);
  if (!img) return Response::from(std::move(img).error());
  json::object body = ctx.images ? ctx.images(*img) : json::object{{"id", img->id}};
  auto res = Response::json(201, body);
  res.header("Location", "/api/v1/products/" + *id);
  return res;
}

// GET /menu from the cache: answered on the I/O thread when the body is cached and the
// request carries no credentials (the menu is the same for everyone, but a request with
// credentials must still get its 401 when they are bad).
std::optional<Response> menu_fast_path(const Request& req, CatalogueContext& ctx) {
  if (req.header("authorization") || req.header("x-api-key")) return std::nullopt;
  auto e = ctx.menu.fresh();
  if (!e) return std::nullopt;
  return MenuCache::respond(req, std::move(e));
}

Response get_menu(Request& req, CatalogueContext& ctx) {
  auto e = ctx.menu.get_or_build([&] {
    // The same body for every caller: no recipes (staff read them on the product routes).
    return encode_menu(ctx.catalogue.menu(), ProductView{false, ctx.currency, &ctx.images});
  });
  return MenuCache::respond(req, std::move(e));
}

}  // namespace

std::string encode_menu(const std::vector<domain::Product>& products, const ProductView& view) {
  json::array categories;
  json::array items;
  const std::string* current = nullptr;
  for (const auto& p : products) {
    if (!current || *current != p.category) {
      if (current) categories.push_back({{"name", *current}, {"items", std::move(items)}});
      items = json::array{};
      current = &p.category;
    }
    items.push_back(product_json(p, view));
  }
  if (current) categories.push_back({{"name", *current}, {"items", std::move(items)}});
  return util::to_json(
      json::object{{"categories", std::move(categories)}, {"currency", view.currency}});
}

void register_catalogue_routes(http::Router& router, OpenApi& openapi,
                               std::shared_ptr<CatalogueContext> ctx) {
  add_catalogue_schemas(openapi);
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  const std::vector<http::QueryDoc> list_query = {
      {.name = "q", .description = "case-insensitive substring of name, description or category"},
      {.name = "category", .description = "exact category"},
      {.name = "price_min", .type = "number", .description = "inclusive, major units"},
      {.name = "price_max", .type = "number", .description = "inclusive, major units"},
      {.name = "in_stock", .type = "boolean"},
      {.name = "sort", .description = "name (default), -name, price, -price, newest, rating"},
      {.name = "include_inactive",
       .type = "boolean",
       .description = "staff+: also deleted products"},
      {.name = "limit", .type = "integer", .description = "1 to 200, default 50"},
      {.name = "cursor", .description = "next_cursor of the previous page"}};

  router.add({.method = Method::get,
              .pattern = "/api/v1/menu",
              .handler = with(get_menu),
              .fast_path = [ctx](const Request& req) { return menu_fast_path(req, *ctx); },
              .doc = {.summary = "The menu: active products grouped by category, with in_stock "
                                 "(ETag; If-None-Match → 304)",
                      .tag = kCatalogueTag,
                      .response_schema = "Menu",
                      .headers = {"If-None-Match"}}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/products",
              .handler = with(list_products),
              .doc = {.summary = "Search and page through the products",
                      .tag = kCatalogueTag,
                      .response_schema = "ProductPage",
                      .query = list_query}});

  // The café's and the bakery's routes over the one entity.
  for (std::string_view base : {"/api/v1/products", "/api/v1/menu/items"}) {
    const std::string b(base);
    const bool bakery = base == "/api/v1/products";
    router.add({.method = Method::get,
                .pattern = b + "/{id}",
                .handler = with(get_product),
                .doc = {.summary = bakery ? "A product" : "A menu item (the same product)",
                        .tag = kCatalogueTag,
                        .response_schema = "Product"}});
    router.add({.method = Method::post,
                .pattern = b,
                .handler = with(create_product),
                .access = auth::Access::manager_plus(),
                .body = http::BodyKind::json,
                .doc = {.summary = bakery ? "Create a product" : "Create a menu item",
                        .tag = kCatalogueTag,
                        .request_schema = "ProductInput",
                        .response_schema = "Product",
                        .success_status = 201}});
    router.add({.method = Method::put,
                .pattern = b + "/{id}",
                .handler = with([](Request& r, CatalogueContext& c) {
                  return put_product(r, c, PutKind::product);
                }),
                .access = auth::Access::manager_plus(),
                .body = http::BodyKind::json,
                .doc = {.summary = "Change a product (partial; If-Match or version)",
                        .tag = kCatalogueTag,
                        .request_schema = "ProductPatch",
                        .response_schema = "Product",
                        .errors = {409},
                        .headers = {"If-Match"}}});
    router.add({.method = Method::del,
                .pattern = b + "/{id}",
                .handler = with(delete_product),
                .access = auth::Access::admin(),
                .doc = {.summary = "Delete (hide) a product; past orders keep their snapshot",
                        .tag = kCatalogueTag,
                        .success_status = 204}});
    router.add({.method = Method::put,
                .pattern = b + "/{id}/stock",
                .handler = with([](Request& r, CatalogueContext& c) {
                  return put_product(r, c, PutKind::stock);
                }),
                .access = auth::Access::staff_plus(),
                .body = http::BodyKind::json,
                .doc = {.summary = "Switch a product on or off for sale and/or set its stock",
                        .tag = kCatalogueTag,
                        .request_schema = "ProductStockInput",
                        .response_schema = "Product",
                        .errors = {409},
                        .headers = {"If-Match"}}});
    router.add({.method = Method::post,
                .pattern = b + "/{id}/images",
                .handler = with(upload_image),
                .access = auth::Access::manager_plus(),
                .body = http::BodyKind::raw,
                .body_limit = kImageBodyLimit,
                .content_types = {"multipart/form-data", "image/jpeg", "image/png", "image/webp"},
                .doc = {.summary = "Upload an image (multipart field `image`, or the raw image); "
                                   "its type is checked by its bytes; a 320 px thumbnail and a "
                                   "1600 px WebP copy are made in the background",
                        .tag = kCatalogueTag,
                        .response_schema = "ProductImage",
                        .success_status = 201}});
    router.add({.method = Method::put,
                .pattern = b + "/{id}/recipe",
                .handler = with([](Request& r, CatalogueContext& c) {
                  return put_product(r, c, PutKind::recipe);
                }),
                .access = auth::Access::manager_plus(),
                .body = http::BodyKind::json,
                .doc = {.summary = "Replace a product's recipe (what one unit consumes)",
                        .tag = kCatalogueTag,
                        .request_schema = "RecipeInput",
                        .response_schema = "Product",
                        .errors = {409},
                        .headers = {"If-Match"}}});
  }
}

}  // namespace crema::api
