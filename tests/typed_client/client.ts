// A small front end written against the types openapi-typescript generates from the served
// GET /openapi.json, with openapi-fetch — what a café's web shop does. It is only
// type-checked (`tsc --strict`, tests/e2e/typed_client_test.cpp): when the document stops
// describing what the server answers or takes (an object without its properties, a header
// the route reads, a content type), this stops compiling.
//
// schema.d.ts is generated beside this file by the test; it is never committed.

import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Order = components["schemas"]["Order"];

// Compile-time checks that free-form objects are readable: an object schema declared without
// properties (and without additionalProperties: true) is generated as Record<string, never>,
// whose values are `never` — assigning to it fails, but reading from it would not.
type Assert<T extends true> = T;
type Readable<T> = [T] extends [never] ? false : true;
export type FreeFormObjectsAreReadable = [
  Assert<Readable<components["schemas"]["Product"]["attributes"][string]>>,
  Assert<Readable<Order["metadata"][string]>>,
  Assert<Readable<Order["items"][number]["options"][string]>>,
  Assert<Readable<components["schemas"]["PaymentTransaction"]["raw_response"][string]>>,
];

export async function frontEnd(baseUrl: string, email: string, password: string): Promise<string[]> {
  const log: string[] = [];
  const api = createClient<paths>({ baseUrl });

  // Sign in.
  const session = await api.POST("/api/v1/auth/login", { body: { email, password } });
  if (!session.data) throw new Error(`sign-in failed: ${session.error?.error.message ?? ""}`);
  const token: string = session.data.token;
  const user = session.data.user;
  log.push(`signed in as ${user.email.toLowerCase()} (${user.role})`);
  const auth = { Authorization: `Bearer ${token}` };

  // The menu, revalidated with its ETag (304 when nothing changed).
  const menu = await api.GET("/api/v1/menu");
  if (!menu.data) throw new Error("no menu");
  const etag = menu.response.headers.get("ETag") ?? "";
  const again = await api.GET("/api/v1/menu", { params: { header: { "If-None-Match": etag } } });
  log.push(again.response.status === 304 ? "menu unchanged" : "menu changed");
  const products = menu.data.categories.flatMap((c) => c.items);
  const latte = products.find((p) => p.in_stock && p.modifiers.length > 0) ?? products[0];
  if (!latte) throw new Error("an empty menu");
  const sizes = latte.attributes["sizes"];
  log.push(`${latte.name}: ${latte.price.toFixed(2)} ${latte.currency}, sizes ${JSON.stringify(sizes)}`);
  const modifier = latte.modifiers[0];

  // An order with a line's options and the order's metadata, idempotent on retries.
  const placed = await api.POST("/api/v1/orders", {
    headers: auth,
    params: { header: { "Idempotency-Key": `web-${Date.now()}` } },
    body: {
      items: [
        {
          product_id: latte.id,
          quantity: 2,
          modifiers: modifier ? [modifier.code] : [],
          options: { size: "large", inscription: "Happy birthday", shots: 2 },
          special_instructions: "extra hot",
        },
      ],
      customer_info: { name: "Ada", phone: "+44 20 7946 0000" },
      metadata: { channel: "web", campaign: { id: 7, source: "newsletter" } },
    },
  });
  if (!placed.data) throw new Error(`order refused: ${placed.error?.error.code ?? ""}`);
  const order: Order = placed.data;
  const line = order.items[0];
  const inscription = line?.options["inscription"];
  log.push(`order ${order.order_number}: ${order.total_amount} ${order.currency}, ready in ` +
           `${order.estimated_time} min, "${String(inscription)}"`);
  log.push(`for ${order.customer_info?.name?.toUpperCase() ?? "a guest"}`);
  log.push(`delivery to ${order.delivery_info?.address?.trim() ?? "(pickup)"}, ` +
           `driver profile ${order.delivery_info?.driver_id?.slice(0, 8) ?? "none"}`);
  const channel = order.metadata["channel"];
  log.push(`placed from ${String(channel)}`);

  // Pay by Stripe: the client secret goes to Stripe.js.
  const paid = await api.POST("/api/v1/payments/checkout", {
    headers: auth,
    params: { header: { "Idempotency-Key": `pay-${order.id}` } },
    body: {
      order_id: order.id,
      payment_method: "stripe",
      payment_details: { payment_method: "pm_card_visa", return_url: "https://shop.example/paid" },
    },
  });
  if (!paid.data) throw new Error(`checkout refused: ${paid.error?.error.message ?? ""}`);
  const next = paid.data.next_action;
  if (next === undefined) throw new Error("Stripe gave no next action");
  const secret = next.client_secret;
  if (secret === undefined) throw new Error("no client_secret");
  log.push(`confirm with Stripe.js: ${next.type} ${secret.startsWith("pi_") ? "ok" : secret.length}`);

  // Follow the order, and cancel it with the version read (If-Match).
  const followed = await api.GET("/api/v1/orders/{id}", {
    headers: auth,
    params: { path: { id: order.id } },
  });
  if (!followed.data) throw new Error("lost the order");
  for (const h of followed.data.history) {
    log.push(`${h.at}: ${h.status}${h.reason ? ` (${h.reason.toLowerCase()})` : ""} by ${h.by ?? "the shop"}`);
  }
  const cancelled = await api.DELETE("/api/v1/orders/{id}", {
    headers: auth,
    params: {
      path: { id: order.id },
      query: { reason: "changed my mind" },
      header: { "If-Match": `"${followed.data.version}"` },
    },
  });
  log.push(`cancelled: ${cancelled.data?.cancel_reason ?? cancelled.error?.error.code ?? ""}`);

  // A report as CSV, for a spreadsheet (a manager's token).
  const csv = await api.GET("/api/v1/reports/sales/daily", {
    headers: auth,
    params: { query: { format: "csv" } },
    parseAs: "text",
  });
  const rows: string[] = (csv.data ?? "").split("\r\n");
  log.push(`daily sales CSV: ${rows.length} lines, header ${rows[0] ?? ""}`);
  const exported = await api.GET("/api/v1/admin/orders", {
    headers: auth,
    params: { query: { format: "csv", limit: 100 } },
    parseAs: "text",
  });
  log.push(`orders CSV: ${(exported.data ?? "").length} bytes`);
  return log;
}
