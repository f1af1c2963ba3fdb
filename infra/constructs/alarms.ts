import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";

/** Where the functions' Powertools metrics land (functions/api.ts, functions/reconcile.ts). */
export const METRICS_NAMESPACE = "Muster";
const FIVE_MINUTES = Duration.minutes(5);

export interface RegistryAlarmsProps {
  readonly api: lambda.IFunction;
  readonly reconciler: lambda.IFunction;
  /** The sources the reconciler runs: each gets a "found nothing" and an "erroring" alarm. */
  readonly sources: readonly ("ec2" | "cloudmap" | "kubernetes")[];
  /**
   * An SNS topic every alarm notifies, on alarm and on recovery.
   * @default - no action: the alarms show in the CloudWatch console only
   */
  readonly topicArn?: string;
}

/** Powertools adds a `service` dimension to every metric; alarms must name it too. */
function musterMetric(
  metricName: string,
  service: string,
  statistic: string,
  extra: Record<string, string> = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service, ...extra },
    statistic,
    period: FIVE_MINUTES,
  });
}

/**
 * What an operator must hear about: either function failing or throttled, the API unable to
 * reach its table, and a discovery source that errors or finds nothing.
 */
export class RegistryAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: RegistryAlarmsProps) {
    super(scope, id);
    const alarm = (
      name: string,
      description: string,
      metric: cloudwatch.Metric,
      options: Partial<cloudwatch.CreateAlarmOptions> = {},
    ) => {
      const created = metric.createAlarm(this, name, {
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      this.alarms.push(created);
    };

    // The app turns every error into a JSON answer, so Lambda errors here are crashes,
    // timeouts and cold starts that failed (a bad configuration).
    alarm(
      "ApiErrors",
      "muster API function failed (crash, timeout or bad configuration)",
      props.api.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
    );
    alarm(
      "ApiThrottles",
      "muster API function throttled: raise the account's Lambda concurrency",
      props.api.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" }),
    );
    alarm(
      "StoreUnavailable",
      "muster API answered 503: DynamoDB unreachable or throttling",
      musterMetric("StoreUnavailable", "muster-api", "Sum"),
    );
    // One failed run heals at the next; ten minutes of failures do not.
    alarm(
      "ReconcilerErrors",
      "muster reconciler failing for 10 minutes",
      props.reconciler.metricErrors({ period: FIVE_MINUTES, statistic: "Sum" }),
      { evaluationPeriods: 2 },
    );
    alarm(
      "ReconcilerThrottles",
      "muster reconciler throttled",
      props.reconciler.metricThrottles({ period: FIVE_MINUTES, statistic: "Sum" }),
    );
    for (const source of props.sources) {
      alarm(
        `${source}SourceErrors`,
        `muster reconciler: source ${source} erroring for 10 minutes`,
        musterMetric("SourceErrors", "muster-reconcile", "Sum", { Source: source }),
        { evaluationPeriods: 2 },
      );
      // Every run for 15 minutes saw none of the instances it should see — or no run reported
      // at all: a wrong tag filter, a lost permission or a stopped schedule all look like this.
      // SourceMissing (shared/reconcile/metrics.ts) is 0 when a source has nothing to see,
      // e.g. a Cloud Map namespace muster fills itself while the registry is empty.
      alarm(
        `${source}SourceEmpty`,
        `muster reconciler: source ${source} saw none of the instances it should for 15 minutes`,
        musterMetric("SourceMissing", "muster-reconcile", "Minimum", { Source: source }),
        {
          threshold: 1,
          evaluationPeriods: 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
      );
    }

    if (props.topicArn !== undefined) {
      const topic = new actions.SnsAction(sns.Topic.fromTopicArn(this, "Topic", props.topicArn));
      for (const a of this.alarms) {
        a.addAlarmAction(topic);
        a.addOkAction(topic);
      }
    }
  }
}
