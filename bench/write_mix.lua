-- The write mix of bench/run.sh: POST replies to threads and POST reports of posts, as a signed-in
-- member sends them (form data with the session's CSRF token; the Cookie and User-Agent headers
-- come from wrk's -H options).
--
-- BENCH_WRITE_FILE lists one request a line: "reply <thread id>" or "report <post id> <rule code>".
-- Each wrk thread takes its own slice of the lines (BENCH_WRK_THREADS slices), so no post is
-- reported twice (that would only answer "already reported") while the file lasts.
-- At the end it prints a line "write-mix outcomes: ..." counting where the answers led: a reply
-- redirects to its post (/t/...), a report back to the post (/t/...), an "already reported" to
-- /reports, a lost session to /login, an unaccepted Code of Conduct to /conduct; a 200 is the form
-- shown again (refused).

local file = os.getenv("BENCH_WRITE_FILE")
local csrf = os.getenv("BENCH_CSRF")
local slices = tonumber(os.getenv("BENCH_WRK_THREADS") or "2")
local created = 0
local threads = {}

local function encode(text)
   return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function setup(thread)
   thread:set("index", created)
   threads[#threads + 1] = thread
   created = created + 1
end

function init(args)
   local all = {}
   for line in io.lines(file) do
      all[#all + 1] = line
   end
   local size = math.floor(#all / slices)
   items, position = {}, 0
   for n = index * size + 1, (index + 1) * size do
      items[#items + 1] = all[n]
   end
   token = encode(csrf)
   -- wrk.format's headers replace wrk.headers (the -H options): keep the cookie and the browser.
   form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
   for name, value in pairs(wrk.headers) do
      form[name] = value
   end
   outcomes = {}
end

function request()
   position = position + 1
   local kind, id, rule = items[(position - 1) % #items + 1]:match("^(%S+) (%d+) ?(%S*)")
   if kind == "reply" then
      local body = "Benchmark reply " .. position .. " (wrk thread " .. index .. "): evidence, training and "
         .. "border patrol, as discussed at the academy."
      return wrk.format("POST", "/t/" .. id .. "/reply", form,
                        "csrf_token=" .. token .. "&language=en&body=" .. encode(body))
   end
   return wrk.format("POST", "/p/" .. id .. "/report", form,
                     "csrf_token=" .. token .. "&rule=" .. encode(rule) .. "&comment=" .. encode("benchmark report"))
end

function response(status, headers, body)
   local key = tostring(status)
   if status == 302 or status == 303 then
      local location = headers["Location"] or headers["location"] or ""
      local first = location:match("^https?://[^/]+(/[^/?#]*)") or location:match("^(/[^/?#]*)") or location
      key = key .. " " .. first
   end
   outcomes[key] = (outcomes[key] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   for _, thread in ipairs(threads) do
      local counted = thread:get("outcomes")
      for key, value in pairs(counted) do
         total[key] = (total[key] or 0) + value
      end
   end
   local parts = {}
   for key, value in pairs(total) do
      parts[#parts + 1] = key .. "=" .. value
   end
   table.sort(parts)
   io.write("write-mix outcomes: " .. table.concat(parts, ", ") .. "\n")
end
