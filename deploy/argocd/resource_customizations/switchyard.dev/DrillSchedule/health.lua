-- Argo CD health of a Switchyard DrillSchedule: Degraded when the schedule is invalid (Ready=False) or its last drill
-- failed or was aborted, Suspended while suspended, Progressing while a drill runs, Healthy otherwise.
local hs = { status = "Healthy", message = "" }
if obj.status ~= nil and obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" and c.status == "False" then
      hs.status = "Degraded"
      hs.message = (c.reason or "") .. ": " .. (c.message or "")
      return hs
    end
  end
end
local status = obj.status or {}
if status.lastResult == "Failed" or status.lastResult == "Aborted" then
  hs.status = "Degraded"
  hs.message = "The last drill " .. string.lower(status.lastResult)
  return hs
end
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Scheduling is suspended"
  return hs
end
if status.activeRun ~= nil and status.activeRun.name ~= nil then
  hs.status = "Progressing"
  hs.message = "Drill " .. status.activeRun.name .. " is running"
  return hs
end
if status.nextScheduleTime ~= nil then
  hs.message = "Next drill at " .. status.nextScheduleTime
end
if status.lastResult ~= nil then
  hs.message = "Last drill " .. string.lower(status.lastResult) .. (hs.message ~= "" and ("; " .. hs.message) or "")
end
return hs
