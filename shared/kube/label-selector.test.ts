import { describe, expect, it } from "vitest";
import { labelSelectorProblem } from "./label-selector.js";

describe("labelSelectorProblem", () => {
  // Selectors k8s.io/apimachinery's labels.Parse accepts (its own test table among them).
  it.each([
    "app=web",
    "app==web,tier!=cache",
    "x=a,y=b,z=c",
    "x in (foo,,baz),y,z notin ()",
    "env in (prod, staging)",
    "!beta",
    "release",
    "x>1,z<5",
    "x=,z= ",
    "app.kubernetes.io/name=web",
    "example.com/tier notin (a)",
  ])("accepts %j", (selector) => {
    expect(labelSelectorProblem(selector)).toBeUndefined();
  });

  it.each([
    ["x=a||y=b", /not a label value/],
    ["x==a==b", /expected ","/],
    ["!x=a", /expected ","/],
    ["x<a", /whole number/],
    ["app=web,", /ends with a comma/],
    ["env in prod", /list in parentheses/],
    ["env in (a,b", /not closed/],
    ["Bad_Prefix.com/x=1", /prefix must be a DNS subdomain/],
    ["-app=web", /not a label key/],
    [`app=${"v".repeat(64)}`, /not a label value/],
    ["app ~ web", /is not an operator/],
    ["   ", /is empty/],
  ])("refuses %j", (selector, problem) => {
    expect(labelSelectorProblem(selector)).toMatch(problem);
  });
});
