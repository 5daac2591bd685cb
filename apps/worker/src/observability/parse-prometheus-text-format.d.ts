// The package ships no types. Its output follows prom2json: values stay strings as written.
declare module 'parse-prometheus-text-format' {
  interface PrometheusSample {
    labels?: Record<string, string>
    value?: string
    /** Histograms: upper bound (`le`) to cumulative count. */
    buckets?: Record<string, string>
    /** Summaries: quantile to value. */
    quantiles?: Record<string, string>
    count?: string
    sum?: string
  }

  interface PrometheusFamily {
    name: string
    help: string
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'
    metrics: PrometheusSample[]
  }

  /** Parses the Prometheus text exposition format; throws on a malformed line. */
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[]
}
