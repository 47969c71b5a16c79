-- 90 % anonymous reads (article pages, consultation page, API article) and 10 % signed-in votes.
local tokens, articles = {}, {}
local values = { "agree", "mixed", "disagree" }
local consultation = os.getenv("CONSULTATION")

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  for id in string.gmatch(os.getenv("ARTICLES"), "%d+") do articles[#articles + 1] = id end
end

function request()
  local r = math.random(100)
  local article = articles[math.random(#articles)]
  if r <= 10 then
    local token = tokens[math.random(#tokens)]
    return wrk.format("PUT", "/api/v1/articles/" .. article .. "/vote",
      { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token },
      '{"value":"' .. values[math.random(3)] .. '"}')
  elseif r <= 60 then
    return wrk.format("GET", "/articles/" .. article)
  elseif r <= 80 then
    return wrk.format("GET", "/consultations/" .. consultation)
  else
    return wrk.format("GET", "/api/v1/articles/" .. article)
  end
end
