-- Health of a batch/v1 CronJob for Argo CD before 3.2 (3.2 and later have a built-in check; do not
-- install this there, a custom check replaces the built-in one). Installed as the argocd-cm key
-- resource.customizations.health.batch_CronJob (deploy/argocd/cronjob-health.yaml; docs/delivery.md).
--
-- Reads only the CronJob's own status (Argo CD hands the check one object):
--   Healthy   nothing scheduled yet; the last scheduled Job succeeded; a Job is running; or suspended
--   Degraded  the last scheduled Job finished without success (no Job running, lastSuccessfulTime older
--             than lastScheduleTime, or missing)
-- A running Job or a suspended CronJob is Healthy, not Progressing/Suspended, so a rotation run or
-- enableSecretRotation: false never changes the Application's health (or holds up a sync).
-- Times are compared as text: the API server writes them as RFC 3339 UTC ("2026-01-02T03:04:05Z"), whose
-- text order is time order; any other shape gives Unknown instead of a guess.

local hs = {}

local function utc(value)
  if type(value) == "string" and string.match(value, "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$") then
    return value
  end
  return nil
end

local spec = obj.spec or {}
local status = obj.status or {}

if spec.suspend == true then
  hs.status = "Healthy"
  hs.message = "Suspended: no Job is scheduled (spec.suspend is true)"
  return hs
end

local active = status.active or {}
if #active > 0 then
  local names = {}
  for i, ref in ipairs(active) do
    names[i] = tostring(ref.name)
  end
  hs.status = "Healthy"
  hs.message = "Running: " .. table.concat(names, ", ")
  return hs
end

if status.lastScheduleTime == nil then
  hs.status = "Healthy"
  hs.message = "No Job has been scheduled yet"
  return hs
end

local scheduled = utc(status.lastScheduleTime)
local succeeded = nil
if status.lastSuccessfulTime ~= nil then
  succeeded = utc(status.lastSuccessfulTime)
  if succeeded == nil then
    scheduled = nil
  end
end
if scheduled == nil then
  hs.status = "Unknown"
  hs.message = "Cannot read status.lastScheduleTime / status.lastSuccessfulTime"
  return hs
end

if succeeded ~= nil and succeeded >= scheduled then
  hs.status = "Healthy"
  hs.message = "Last scheduled Job succeeded at " .. succeeded
  return hs
end

hs.status = "Degraded"
if succeeded == nil then
  hs.message = "The Job scheduled at " .. scheduled .. " did not succeed; no scheduled Job has succeeded yet"
else
  hs.message = "The Job scheduled at " .. scheduled .. " did not succeed; last success at " .. succeeded
end
return hs
