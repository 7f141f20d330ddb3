-- wrk script of the benchmark: every request POSTs a new invoice.
-- Arguments after `--`: the invoice id prefix, then the percent-encoded callback_url
-- (optional). done() prints one line, BENCH_JSON {...}, for bench/load_wrk.py.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  prefix = args[1] .. "-t" .. thread_number .. "-"
  path = "/invoices/"
  if args[2] ~= nil and args[2] ~= "" then
    path = path .. "?callback_url=" .. args[2]
  end
  json_headers = { ["Content-Type"] = "application/json" }
  sent = 0
  accepted = 0
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"id": "%s%d", "customer": "Bench", "total": %d}', prefix, sent, sent
  )
  return wrk.format("POST", path, json_headers, body)
end

function response(status, response_headers, body)
  if status == 202 then
    accepted = accepted + 1
  end
end

function done(summary, latency, requests)
  local sent_all, accepted_all = 0, 0
  for _, thread in ipairs(threads) do
    sent_all = sent_all + thread:get("sent")
    accepted_all = accepted_all + thread:get("accepted")
  end
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format(
    'BENCH_JSON {"duration_us": %d, "completed": %d, "sent": %d, "accepted": %d, '
      .. '"socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.duration, summary.requests, sent_all, accepted_all, socket_errors,
    latency:percentile(50), latency:percentile(99)
  ))
end
