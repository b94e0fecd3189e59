/**
 * The deployment templates (templates/): they parse, every environment variable they set is
 * one ccag reads, the CloudFormation template's references resolve, and the compose file,
 * Kubernetes manifests, Dockerfile and systemd unit fit together.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isMap, isScalar, isSeq, parseAllDocuments, parseDocument, type Node as YamlNode, type Tags } from 'yaml';
import { loadConfig, settings } from '../../../src/server/config.js';

const root = join(import.meta.dirname, '..', '..', '..');
const templates = join(root, 'templates');
const read = (...path: string[]) => readFileSync(join(templates, ...path), 'utf8');

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown, what: string): Obj => {
  assert.ok(isObj(v), `${what} must be a mapping`);
  return v;
};
const list = (v: unknown, what: string): Json[] => {
  assert.ok(Array.isArray(v), `${what} must be a list`);
  return v;
};

/** Variables ccag (or a library it uses with the environment) reads that are not in `settings`. */
const standardVariables = new Set([
  // libpq's, read by node-postgres when DATABASE_URL is unset (docs/configuration.md#database)
  'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE',
  // the AWS SDK's credential chain and region
  'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_PROFILE', 'AWS_BEARER_TOKEN_BEDROCK',
  'NODE_ENV',
]);
const settingVariables = new Set(settings.flatMap((s) => (s.env ? [s.env] : [])));

function assertKnownVariables(where: string, names: Iterable<string>): void {
  const unknown = [...new Set(names)].filter((n) => !settingVariables.has(n) && !standardVariables.has(n));
  assert.deepEqual(unknown, [], `${where} sets environment variables ccag does not read: ${unknown.join(', ')}`);
}

// ------------------------------------------------------------------------------- YAML

/** CloudFormation's short-form intrinsic functions, kept as their long form. */
const cfnFunctions = ['Ref', 'Condition', 'GetAtt', 'Sub', 'If', 'Equals', 'Select', 'GetAZs', 'Join', 'Not', 'Split', 'ImportValue',
  'FindInMap', 'Base64', 'Cidr', 'And', 'Or', 'Contains', 'Transform', 'Length', 'ToJsonString'];
const cfnTags: Tags = cfnFunctions.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value },
  { tag: `!${name}`, collection: 'seq' as const, resolve: (value: unknown) => value },
  { tag: `!${name}`, collection: 'map' as const, resolve: (value: unknown) => value },
]) as Tags;

function cfnToJs(node: unknown): Json {
  let value: Json;
  if (isMap(node)) {
    value = {};
    for (const pair of node.items) {
      assert.ok(isScalar(pair.key), 'CloudFormation keys are scalars');
      value[String(pair.key.value)] = cfnToJs(pair.value);
    }
  } else if (isSeq(node)) {
    value = node.items.map(cfnToJs);
  } else if (isScalar(node)) {
    value = node.value as Json;
  } else {
    assert.fail(`unexpected YAML node ${String(node)}`);
  }
  const tag = (node as YamlNode).tag;
  if (!tag?.startsWith('!') || tag.startsWith('!!')) return value;
  const name = tag.slice(1);
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

function parseCfn(text: string): Obj {
  const doc = parseDocument(text, { customTags: cfnTags });
  assert.deepEqual([...doc.errors, ...doc.warnings].map(String), [], 'cloudformation.yaml parses without errors or unknown tags');
  return obj(cfnToJs(doc.contents), 'the template');
}

function parseYaml(file: string): Json {
  const doc = parseDocument(read(file));
  assert.deepEqual([...doc.errors, ...doc.warnings].map(String), [], `${file} parses`);
  return doc.toJS() as Json;
}

function parseYamlDocs(file: string): Obj[] {
  const docs = parseAllDocuments(read(file));
  assert.ok(Array.isArray(docs), `${file} parses`);
  return docs.map((doc) => {
    assert.deepEqual([...doc.errors, ...doc.warnings].map(String), [], `${file} parses`);
    return obj(doc.toJS(), file);
  });
}

// ------------------------------------------------------------------------------- CloudFormation

const pseudoParameters = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region',
  'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

interface CfnReference { from: string; kind: 'Ref' | 'GetAtt' | 'Sub' | 'Condition' | 'FindInMap'; target: string; guarded: Set<string> }

/**
 * Every reference in a part of the template, with the conditions known to hold where it
 * appears (the resource's own Condition, and the true branches of Fn::If around it).
 */
function references(value: Json, from: string, guarded: Set<string>, out: CfnReference[]): void {
  if (Array.isArray(value)) {
    for (const item of value) references(item, from, guarded, out);
    return;
  }
  if (!isObj(value)) return;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys;
    const arg = value[key!]!;
    switch (key) {
      case 'Ref':
        assert.equal(typeof arg, 'string', `${from}: Ref takes a name`);
        out.push({ from, kind: 'Ref', target: arg as string, guarded });
        return;
      case 'Condition':
        if (typeof arg === 'string') {
          out.push({ from, kind: 'Condition', target: arg, guarded });
          return;
        }
        break;
      case 'Fn::GetAtt': {
        const parts = typeof arg === 'string' ? arg.split('.') : list(arg, `${from}: Fn::GetAtt`);
        assert.ok(parts.length >= 2 && typeof parts[0] === 'string', `${from}: Fn::GetAtt takes [resource, attribute]`);
        out.push({ from, kind: 'GetAtt', target: parts[0] as string, guarded });
        return;
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : list(arg, `${from}: Fn::Sub`);
        assert.equal(typeof text, 'string', `${from}: Fn::Sub takes a string`);
        const own = obj(vars ?? {}, `${from}: Fn::Sub variables`);
        references(own, from, guarded, out);
        for (const match of (text as string).matchAll(/\$\{([^}]*)\}/g)) {
          const expr = match[1]!;
          if (expr.startsWith('!')) continue; // ${!Literal}
          const name = expr.includes('::') ? expr : expr.split('.')[0]!;
          assert.ok(/^[A-Za-z0-9:]+$/.test(name), `${from}: bad Fn::Sub variable \${${expr}}`);
          if (name in own) continue;
          out.push({ from, kind: 'Sub', target: expr.includes('.') && !expr.includes('::') ? `${name}.` : name, guarded });
        }
        return;
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse, ...rest] = list(arg, `${from}: Fn::If`);
        assert.equal(rest.length, 0, `${from}: Fn::If takes [condition, value, value]`);
        assert.equal(typeof condition, 'string', `${from}: Fn::If names a condition`);
        out.push({ from, kind: 'Condition', target: condition as string, guarded });
        references(whenTrue!, from, new Set([...guarded, condition as string]), out);
        references(whenFalse!, from, guarded, out);
        return;
      }
      case 'Fn::FindInMap': {
        const [mapping] = list(arg, `${from}: Fn::FindInMap`);
        out.push({ from, kind: 'FindInMap', target: String(mapping), guarded });
        references(arg, from, guarded, out);
        return;
      }
    }
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith('Fn::') && !['Fn::Join', 'Fn::Select', 'Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Fn::GetAZs', 'Fn::Split',
      'Fn::Base64', 'Fn::Cidr', 'Fn::ImportValue', 'Fn::Contains', 'Fn::Length', 'Fn::ToJsonString', 'Fn::Transform'].includes(key)) {
      assert.fail(`${from}: unknown intrinsic function ${key}`);
    }
    references(item, from, guarded, out);
  }
}

interface CfnCheck { problems: string[]; template: Obj; resources: Obj }

function checkCfn(template: Obj): CfnCheck {
  const problems: string[] = [];
  const parameters = obj(template.Parameters ?? {}, 'Parameters');
  const resources = obj(template.Resources, 'Resources');
  const conditions = obj(template.Conditions ?? {}, 'Conditions');
  const mappings = obj(template.Mappings ?? {}, 'Mappings');
  const outputs = obj(template.Outputs ?? {}, 'Outputs');
  const rules = obj(template.Rules ?? {}, 'Rules');
  const allowedTop = ['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs'];
  for (const key of Object.keys(template)) if (!allowedTop.includes(key)) problems.push(`unknown top-level section ${key}`);

  const conditionOf = new Map<string, string | undefined>();
  for (const [name, resource] of Object.entries(resources)) {
    const r = obj(resource, `resource ${name}`);
    if (typeof r.Type !== 'string' || !/^(AWS|Custom)::[A-Za-z0-9]+(::[A-Za-z0-9]+)*$/.test(r.Type)) problems.push(`resource ${name} has no valid Type`);
    for (const key of Object.keys(r)) {
      if (!['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy'].includes(key)) {
        problems.push(`resource ${name}: unknown attribute ${key}`);
      }
    }
    if (r.Condition !== undefined && (typeof r.Condition !== 'string' || !(r.Condition in conditions))) problems.push(`resource ${name}: undefined Condition ${String(r.Condition)}`);
    conditionOf.set(name, typeof r.Condition === 'string' ? r.Condition : undefined);
    for (const dep of r.DependsOn === undefined ? [] : Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn]) {
      if (typeof dep !== 'string' || !(dep in resources)) problems.push(`resource ${name}: DependsOn ${String(dep)} is not a resource`);
    }
  }
  for (const [name, parameter] of Object.entries(parameters)) {
    const p = obj(parameter, `parameter ${name}`);
    if (typeof p.Type !== 'string') problems.push(`parameter ${name} has no Type`);
    if (name in resources) problems.push(`${name} is both a parameter and a resource`);
  }
  for (const [name, output] of Object.entries(outputs)) {
    const o = obj(output, `output ${name}`);
    if (o.Value === undefined) problems.push(`output ${name} has no Value`);
    if (o.Condition !== undefined && !(String(o.Condition) in conditions)) problems.push(`output ${name}: undefined Condition ${String(o.Condition)}`);
  }

  const refs: CfnReference[] = [];
  for (const [name, condition] of Object.entries(conditions)) references(condition, `condition ${name}`, new Set(), refs);
  for (const [name, rule] of Object.entries(rules)) references(rule, `rule ${name}`, new Set(), refs);
  for (const [name, resource] of Object.entries(resources)) {
    const r = obj(resource, name);
    const guard = new Set(typeof r.Condition === 'string' ? [r.Condition] : []);
    for (const key of ['Properties', 'Metadata', 'CreationPolicy', 'UpdatePolicy'] as const) {
      if (r[key] !== undefined) references(r[key]!, `resource ${name}`, guard, refs);
    }
  }
  for (const [name, output] of Object.entries(outputs)) {
    const o = obj(output, name);
    const guard = new Set(typeof o.Condition === 'string' ? [o.Condition] : []);
    references(o, `output ${name}`, guard, refs);
  }

  const usedParameters = new Set<string>();
  const usedConditions = new Set<string>();
  const dependsOn = new Map<string, Set<string>>();
  for (const ref of refs) {
    const attr = ref.target.endsWith('.');
    const target = attr ? ref.target.slice(0, -1) : ref.target;
    if (ref.kind === 'Condition') {
      usedConditions.add(target);
      if (!(target in conditions)) problems.push(`${ref.from}: condition ${target} is not defined`);
      continue;
    }
    if (ref.kind === 'FindInMap') {
      if (!(target in mappings)) problems.push(`${ref.from}: mapping ${target} is not defined`);
      continue;
    }
    const inConditionOrRule = ref.from.startsWith('condition ') || ref.from.startsWith('rule ');
    if (ref.kind === 'GetAtt' || attr) {
      if (!(target in resources)) problems.push(`${ref.from}: ${ref.kind} ${target}.… names no resource`);
    } else if (!(target in parameters) && !(target in resources) && !pseudoParameters.has(target)) {
      problems.push(`${ref.from}: ${ref.kind} ${target} names no parameter, resource or pseudo parameter`);
    }
    if (target in parameters) usedParameters.add(target);
    if (target in resources) {
      if (inConditionOrRule) problems.push(`${ref.from}: may only reference parameters, not resource ${target}`);
      const needed = conditionOf.get(target);
      if (needed && !ref.guarded.has(needed)) problems.push(`${ref.from}: references ${target}, which exists only under condition ${needed}, outside Fn::If [${needed}, …]`);
      if (ref.from.startsWith('resource ')) {
        const from = ref.from.slice('resource '.length);
        if (!dependsOn.has(from)) dependsOn.set(from, new Set());
        dependsOn.get(from)!.add(target);
      }
    }
  }
  for (const [name, resource] of Object.entries(resources)) {
    const r = obj(resource, name);
    for (const dep of r.DependsOn === undefined ? [] : Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn]) {
      if (!dependsOn.has(name)) dependsOn.set(name, new Set());
      dependsOn.get(name)!.add(String(dep));
    }
  }
  for (const name of Object.keys(parameters)) if (!usedParameters.has(name)) problems.push(`parameter ${name} is never used`);
  for (const name of Object.keys(conditions)) if (!usedConditions.has(name) && ![...conditionOf.values()].includes(name)) problems.push(`condition ${name} is never used`);

  // No dependency cycle (CloudFormation refuses them).
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      problems.push(`dependency cycle: ${[...path.slice(path.indexOf(name)), name].join(' -> ')}`);
      return;
    }
    state.set(name, 'visiting');
    for (const dep of dependsOn.get(name) ?? []) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(resources)) visit(name, []);
  return { problems, template, resources };
}

function resourcesOfType(resources: Obj, type: string): [string, Obj][] {
  return Object.entries(resources).filter(([, r]) => isObj(r) && r.Type === type) as [string, Obj][];
}

test('cloudformation.yaml: every Ref, GetAtt, Sub variable and Condition resolves; no cycles; no unused parameters', () => {
  const { problems } = checkCfn(parseCfn(read('aws', 'cloudformation.yaml')));
  assert.deepEqual(problems, []);
});

test('the CloudFormation check catches broken references', () => {
  const broken = parseCfn(`
Parameters:
  Used: { Type: String }
  Unused: { Type: String }
Conditions:
  Yes: !Equals [!Ref Used, x]
Resources:
  Only:
    Type: AWS::SNS::Topic
    Condition: Yes
  Topic:
    Type: AWS::SNS::Topic
    DependsOn: Nowhere
    Properties:
      TopicName: !Sub '\${Missing}-\${Only.TopicName}-\${AWS::Region}-\${!Literal}-\${Own}'
      DisplayName: !If [Nope, !Ref Only, !GetAtt Ghost.Arn]
      Tags: [{ Key: a, Value: !Sub ['\${Own}', { Own: !Ref Used }] }]
  NoType:
    Properties: {}
Outputs:
  Out: { Value: !Ref Gone }
`);
  const { problems } = checkCfn(broken);
  const expected = [
    /resource NoType has no valid Type/,
    /resource Topic: DependsOn Nowhere/,
    /Sub Missing names no parameter/,
    /references Only, which exists only under condition Yes/,
    /Sub \${Own}|Sub Own names no parameter/,
    /condition Nope is not defined/,
    /GetAtt Ghost/,
    /output Out: Ref Gone/,
    /parameter Unused is never used/,
  ];
  for (const pattern of expected) assert.ok(problems.some((p) => pattern.test(p)), `expected a problem matching ${pattern}: ${problems.join('; ')}`);
  assert.ok(!problems.some((p) => /Literal|AWS::Region/.test(p)), 'pseudo parameters and ${!Literal} are fine');
});

test('cloudformation.yaml: the resources the deployment needs, wired as documented', () => {
  const { template, resources } = checkCfn(parseCfn(read('aws', 'cloudformation.yaml')));
  const parameters = obj(template.Parameters, 'Parameters');
  for (const name of ['VpcId', 'SubnetIds', 'CertificateArn', 'ImageUri', 'TaskCpu', 'TaskMemory', 'AssumeRoleArns']) assert.ok(name in parameters, `parameter ${name}`);

  const [[, alb]] = resourcesOfType(resources, 'AWS::ElasticLoadBalancingV2::LoadBalancer') as [[string, Obj]];
  const albProps = obj(alb.Properties, 'ALB');
  assert.equal(albProps.Scheme, 'internal');
  const idle = list(albProps.LoadBalancerAttributes, 'attributes').map((a) => obj(a, 'attribute')).find((a) => a.Key === 'idle_timeout.timeout_seconds');
  assert.deepEqual(idle?.Value, { Ref: 'AlbIdleTimeoutSeconds' });
  assert.ok(Number(obj(parameters.AlbIdleTimeoutSeconds, 'p').Default) > 600, 'idle timeout above the 10 minutes a non-streaming request may take');

  const listeners = resourcesOfType(resources, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => obj(l.Properties, 'listener'));
  const https = listeners.find((l) => l.Protocol === 'HTTPS');
  assert.ok(https, 'an HTTPS listener');
  assert.deepEqual(list(https.Certificates, 'certificates')[0], { CertificateArn: { Ref: 'CertificateArn' } });

  const [[, targetGroup]] = resourcesOfType(resources, 'AWS::ElasticLoadBalancingV2::TargetGroup') as [[string, Obj]];
  assert.equal(obj(targetGroup.Properties, 'tg').HealthCheckPath, '/ready');
  assert.equal(obj(targetGroup.Properties, 'tg').Port, 8080);

  const [[, taskDef]] = resourcesOfType(resources, 'AWS::ECS::TaskDefinition') as [[string, Obj]];
  const taskProps = obj(taskDef.Properties, 'task definition');
  assert.deepEqual(taskProps.RequiresCompatibilities, ['FARGATE']);
  const container = obj(list(taskProps.ContainerDefinitions, 'containers')[0], 'container');
  const environment = list(container.Environment, 'Environment').map((e) => obj(e, 'env'));
  const secrets = list(container.Secrets, 'Secrets').map((e) => obj(e, 'secret'));
  const envNames = environment.map((e) => String(e.Name));
  const secretNames = secrets.map((e) => String(e.Name));
  assertKnownVariables('cloudformation.yaml', [...envNames, ...secretNames]);
  for (const name of ['CCAG_PUBLIC_URL', 'PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER']) assert.ok(envNames.includes(name), `container env ${name}`);
  for (const name of ['PGPASSWORD', 'CCAG_SECRET_KEY']) assert.ok(secretNames.includes(name), `container secret ${name}`);
  assert.ok(!envNames.includes('DATABASE_URL') && !secretNames.includes('DATABASE_URL'), 'the database through PG* (no URL-encoding of the generated password)');
  assert.deepEqual(environment.find((e) => e.Name === 'PGHOST')?.Value, { 'Fn::GetAtt': ['Database', 'Endpoint.Address'] });
  assert.equal(obj(container.LogConfiguration, 'logs').LogDriver, 'awslogs');
  assert.deepEqual(list(container.PortMappings, 'ports').map((p) => obj(p, 'port').ContainerPort), [8080]);

  // The generated secrets the container reads are Secrets Manager secrets of this stack.
  const secretResources = new Set(resourcesOfType(resources, 'AWS::SecretsManager::Secret').map(([name]) => name));
  for (const s of secrets) {
    const from = s.ValueFrom;
    const target = isObj(from) && 'Ref' in from ? String(from.Ref) : isObj(from) && 'Fn::Sub' in from ? /^\$\{(\w+)\}/.exec(String(from['Fn::Sub']))?.[1] : undefined;
    assert.ok(target && secretResources.has(target), `${String(s.Name)} comes from a generated secret`);
  }
  for (const [name, s] of resourcesOfType(resources, 'AWS::SecretsManager::Secret')) assert.ok(obj(s.Properties, name).GenerateSecretString, `${name} is generated`);

  const [[, db]] = resourcesOfType(resources, 'AWS::RDS::DBInstance') as [[string, Obj]];
  const dbProps = obj(db.Properties, 'database');
  assert.equal(dbProps.Engine, 'postgres');
  assert.equal(dbProps.PubliclyAccessible, false);
  assert.equal(dbProps.StorageEncrypted, true);

  const taskRoleRef = obj(taskProps.TaskRoleArn, 'TaskRoleArn');
  const taskRoleName = list(taskRoleRef['Fn::GetAtt'], 'GetAtt')[0] as string;
  const policyText = JSON.stringify(obj(resources[taskRoleName], 'task role').Properties);
  for (const action of ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:CountTokens', 'bedrock:ListInferenceProfiles',
    'bedrock:GetInferenceProfile', 'sts:AssumeRole']) {
    assert.ok(policyText.includes(`"${action}"`), `the task role allows ${action}`);
  }
  assert.ok(policyText.includes('"Ref":"AssumeRoleArns"'), 'sts:AssumeRole is limited to the AssumeRoleArns parameter');
  // Notification destinations: a policy only when their parameter names topics or buses, limited to them.
  const taskPolicies = list(obj(obj(resources[taskRoleName], 'task role').Properties, 'task role').Policies, 'Policies');
  for (const [action, parameter] of [['sns:Publish', 'NotificationTopicArns'], ['events:PutEvents', 'NotificationEventBusArns']] as const) {
    assert.equal(obj(parameters[parameter], parameter).Default, '', `${parameter} is empty by default`);
    const conditional = taskPolicies.map((p) => obj(p, 'policy')['Fn::If']).find((i) => i && JSON.stringify(i).includes(`"${action}"`));
    assert.ok(conditional, `the task role allows ${action} under a condition`);
    const [condition, policy, otherwise] = list(conditional, 'Fn::If');
    assert.ok(String(condition) in obj(template.Conditions, 'Conditions'), `condition ${String(condition)} exists`);
    assert.deepEqual(otherwise, { Ref: 'AWS::NoValue' });
    const statements = list(obj(obj(policy, 'policy').PolicyDocument, 'document').Statement, 'Statement');
    assert.deepEqual(statements, [{ Effect: 'Allow', Action: action, Resource: { Ref: parameter } }], `${action} only on ${parameter}`);
  }

  assert.equal(resourcesOfType(resources, 'AWS::ECS::Service').length, 1);
  const [[, policy]] = resourcesOfType(resources, 'AWS::ApplicationAutoScaling::ScalingPolicy') as [[string, Obj]];
  assert.equal(obj(policy.Properties, 'policy').PolicyType, 'TargetTrackingScaling');
  assert.ok(JSON.stringify(policy).includes('ECSServiceAverageCPUUtilization'));
  assert.equal(resourcesOfType(resources, 'AWS::Logs::LogGroup').length, 1);
  const alarmMetrics = resourcesOfType(resources, 'AWS::CloudWatch::Alarm').map(([, a]) => obj(a.Properties, 'alarm').MetricName);
  assert.ok(alarmMetrics.includes('HTTPCode_ELB_5XX_Count') && alarmMetrics.includes('UnHealthyHostCount'), `alarms: ${alarmMetrics.join(', ')}`);
  assert.ok('InternalUrl' in obj(template.Outputs, 'Outputs'));
});

// ------------------------------------------------------------------------------- docker compose

/** Compose's ${VAR}, ${VAR:-default}, ${VAR:?message}, ... with the given environment. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string) => {
    const value = env[name];
    const set = op?.startsWith(':') ? Boolean(value) : value !== undefined;
    if (op?.endsWith('?') && !set) throw new Error(`${name}: ${arg}`);
    if (op?.endsWith('-') && !set) return arg;
    if (op?.endsWith('+')) return set ? arg : '';
    return value ?? '';
  });
}

function composeEnvironment(service: Obj): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  const raw = service.environment;
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq === -1) env.set(text, undefined);
      else env.set(text.slice(0, eq), text.slice(eq + 1));
    }
  } else if (isObj(raw)) {
    for (const [k, v] of Object.entries(raw)) env.set(k, v === null ? undefined : String(v));
  }
  return env;
}

const composeSample = {
  CCAG_PUBLIC_URL: 'http://ccag.example.test:8080',
  CCAG_SECRET_KEY: 'c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY3OA==',
  CCAG_ADMIN_PASSWORD: 'admin-password-for-tests',
  POSTGRES_PASSWORD: 'p@ss:word/with#chars',
};

test('docker-compose.yml: gateway and Postgres 16, healthchecks, depends_on healthy, required secrets', () => {
  // Compose interpolates the file, not its comments.
  const text = read('docker-compose.yml').split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
  const compose = obj(parseYaml('docker-compose.yml'), 'compose file');
  const services = obj(compose.services, 'services');
  for (const [name, svc] of Object.entries(services)) {
    const s = obj(svc, name);
    assert.ok(s.image || s.build, `service ${name} has an image or a build`);
    assert.ok(isObj(s.healthcheck) && Array.isArray(s.healthcheck.test), `service ${name} has a healthcheck`);
    const deps = s.depends_on === undefined ? {} : Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [String(d), {}])) : obj(s.depends_on, 'depends_on');
    for (const [dep, how] of Object.entries(deps)) {
      assert.ok(dep in services, `${name} depends on ${dep}, which is not a service`);
      const condition = obj(how, 'depends_on entry').condition;
      if (condition !== undefined) assert.ok(['service_started', 'service_healthy', 'service_completed_successfully'].includes(String(condition)));
    }
  }
  assert.match(String(obj(services.postgres, 'postgres').image), /^postgres:16(\b|-)/);
  const ccag = obj(services.ccag, 'ccag');
  assert.deepEqual(ccag.depends_on, { postgres: { condition: 'service_healthy' } });
  const build = obj(ccag.build, 'build');
  assert.ok(existsSync(join(templates, String(build.context), String(build.dockerfile))), 'the build points at templates/Dockerfile');
  assert.deepEqual(ccag.command, ['serve', '--host', '0.0.0.0']);

  const env = composeEnvironment(ccag);
  assertKnownVariables('docker-compose.yml (ccag)', env.keys());
  for (const name of ['CCAG_PUBLIC_URL', 'CCAG_SECRET_KEY', 'PGHOST', 'PGUSER', 'PGPASSWORD', 'PGDATABASE']) assert.ok(env.has(name), `ccag gets ${name}`);
  for (const name of ['CCAG_SECRET_KEY', 'PGPASSWORD', 'CCAG_PUBLIC_URL']) assert.match(env.get(name) ?? '', /^\$\{[A-Z_]+:\?.+\}$/, `${name} is required with \${VAR:?message}`);
  assert.match(String(obj(obj(services.postgres, 'postgres').environment, 'env').POSTGRES_PASSWORD), /^\$\{POSTGRES_PASSWORD:\?.+\}$/);

  // Interpolated, the gateway's environment is a valid configuration on 0.0.0.0.
  const resolved: Record<string, string> = {};
  for (const [k, v] of env) if (v !== undefined) resolved[k] = interpolate(v, composeSample);
  const config = loadConfig({ host: '0.0.0.0' }, resolved);
  assert.equal(config.usePgEnv, true);
  assert.equal(config.publicUrl, composeSample.CCAG_PUBLIC_URL);
  assert.throws(() => interpolate(text, { ...composeSample, CCAG_SECRET_KEY: '' }), /CCAG_SECRET_KEY: set CCAG_SECRET_KEY/);
});

test('docker-compose.yml: `docker compose config` accepts it (when Docker Compose is installed)', (t) => {
  const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    t.skip('docker compose is not installed');
    return;
  }
  const run = spawnSync('docker', ['compose', '-f', join(templates, 'docker-compose.yml'), 'config', '-q'], {
    encoding: 'utf8',
    env: { ...process.env, ...composeSample },
  });
  assert.equal(run.status, 0, run.stderr);
  const missing = spawnSync('docker', ['compose', '-f', join(templates, 'docker-compose.yml'), 'config', '-q'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
  });
  assert.notEqual(missing.status, 0, 'compose refuses to run without the secrets');
});

// ------------------------------------------------------------------------------- Kubernetes

function kubernetesObjects(): Obj[] {
  const dir = join(templates, 'kubernetes');
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => parseYamlDocs(join('kubernetes', f)));
}
const byKind = (objects: Obj[], kind: string): Obj[] => objects.filter((o) => o.kind === kind);
const labelsMatch = (selector: Json | undefined, labels: Obj): boolean =>
  isObj(selector) && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

test('kubernetes/: probes on /ready and /health, ports, selectors, non-root, env from the Secret', () => {
  const objects = kubernetesObjects();
  for (const o of objects) assert.ok(o.apiVersion && o.kind && isObj(o.metadata) && o.metadata.name, 'every object has apiVersion, kind and a name');
  const [deployment] = byKind(objects, 'Deployment');
  assert.ok(deployment, 'a Deployment');
  const spec = obj(deployment.spec, 'spec');
  const template = obj(spec.template, 'template');
  const podLabels = obj(obj(template.metadata, 'metadata').labels, 'pod labels');
  assert.ok(labelsMatch(obj(spec.selector, 'selector').matchLabels, podLabels), 'the Deployment selector matches its pods');
  const podSpec = obj(template.spec, 'pod spec');
  assert.equal(obj(podSpec.securityContext, 'pod securityContext').runAsNonRoot, true);
  const [container] = list(podSpec.containers, 'containers').map((c) => obj(c, 'container'));
  const ports = list(container!.ports, 'ports').map((p) => obj(p, 'port'));
  const portOf = (ref: Json | undefined) => (typeof ref === 'number' ? ref : ports.find((p) => p.name === ref)?.containerPort);
  assert.equal(portOf(obj(obj(container!.readinessProbe, 'readiness').httpGet, 'httpGet').port), 8080);
  assert.equal(obj(obj(container!.readinessProbe, 'readiness').httpGet, 'httpGet').path, '/ready');
  assert.equal(obj(obj(container!.livenessProbe, 'liveness').httpGet, 'httpGet').path, '/health');
  assert.equal(portOf(obj(obj(container!.livenessProbe, 'liveness').httpGet, 'httpGet').port), 8080);
  const resources = obj(container!.resources, 'resources');
  assert.ok(resources.requests && resources.limits, 'resources are set');
  const sc = obj(container!.securityContext, 'container securityContext');
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.deepEqual(list(container!.args, 'args'), ['serve', '--host', '0.0.0.0']);

  const [service] = byKind(objects, 'Service');
  const serviceSpec = obj(service!.spec, 'service spec');
  assert.ok(labelsMatch(serviceSpec.selector, podLabels), 'the Service selects the Deployment\'s pods');
  for (const p of list(serviceSpec.ports, 'service ports')) assert.equal(portOf(obj(p, 'port').targetPort), 8080, 'Service targetPort is the container port');

  const [hpa] = byKind(objects, 'HorizontalPodAutoscaler');
  const target = obj(obj(hpa!.spec, 'hpa spec').scaleTargetRef, 'scaleTargetRef');
  assert.equal(target.kind, 'Deployment');
  assert.equal(target.name, obj(deployment.metadata, 'metadata').name);
  const [pdb] = byKind(objects, 'PodDisruptionBudget');
  assert.ok(labelsMatch(obj(obj(pdb!.spec, 'pdb spec').selector, 'pdb selector').matchLabels, podLabels), 'the PDB selects the Deployment\'s pods');

  // Environment: set directly, or from the Secret (whose example holds placeholders only).
  const [secret] = byKind(objects, 'Secret');
  const secretName = obj(secret!.metadata, 'metadata').name;
  const envFrom = list(container!.envFrom, 'envFrom').map((e) => obj(obj(e, 'envFrom').secretRef, 'secretRef').name);
  assert.deepEqual(envFrom, [secretName]);
  const secretData = obj(secret!.stringData, 'stringData');
  for (const [k, v] of Object.entries(secretData)) assert.match(String(v), /^REPLACE/, `secret.example.yaml ${k} is a placeholder`);
  const commentedKeys = [...read('kubernetes', 'secret.example.yaml').matchAll(/^\s*#\s*([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
  const env = list(container!.env, 'env').map((e) => obj(e, 'env'));
  assertKnownVariables('kubernetes/', [...env.map((e) => String(e.name)), ...Object.keys(secretData), ...commentedKeys]);

  const resolved: Record<string, string> = Object.fromEntries(env.map((e) => [String(e.name), String(e.value)]));
  for (const [k, v] of Object.entries(secretData)) resolved[k] = String(v);
  assert.equal(loadConfig({ host: '0.0.0.0' }, resolved).usePgEnv, true, 'a valid configuration with Postgres');
});

// ------------------------------------------------------------------------------- Dockerfile

interface Instruction { op: string; args: string; stage: number }

function dockerfile(): Instruction[] {
  const lines = read('Dockerfile').replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  let stage = -1;
  return lines.map((line) => {
    const [op, ...rest] = line.split(/\s+/);
    if (op!.toUpperCase() === 'FROM') stage++;
    return { op: op!.toUpperCase(), args: rest.join(' '), stage };
  });
}

test('Dockerfile: two stages, production dependencies with --ignore-scripts, non-root, health check, entrypoint', () => {
  const ins = dockerfile();
  const froms = ins.filter((i) => i.op === 'FROM');
  assert.equal(froms.length, 2, 'two stages');
  assert.match(froms[0]!.args, /^node:\S+ AS build$/i);
  assert.match(froms[1]!.args, /^node:22-slim\b/);
  const runs = (stage: number) => ins.filter((i) => i.stage === stage && i.op === 'RUN').map((i) => i.args);
  assert.ok(runs(0).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)), 'build stage installs dev dependencies');
  assert.ok(runs(0).some((r) => /\bnpm run build\b/.test(r)), 'build stage builds');
  assert.ok(runs(1).some((r) => /\bnpm ci\b.*--omit=dev/.test(r) && /--ignore-scripts/.test(r)), 'runtime installs production dependencies with --ignore-scripts');
  const copies = ins.filter((i) => i.stage === 1 && i.op === 'COPY').map((i) => i.args);
  assert.ok(copies.some((c) => /--from=build\s+\S*dist\b/.test(c)), 'runtime copies dist/ from the build stage');
  for (const path of ['bin', 'migrations', 'templates', 'package.json', 'package-lock.json']) {
    assert.ok(copies.some((c) => c.split(/\s+/).includes(path) || c.split(/\s+/).includes(`${path}/`)), `runtime copies ${path}`);
  }
  for (const i of ins.filter((x) => x.op === 'COPY' && !x.args.startsWith('--from'))) {
    for (const source of i.args.split(/\s+/).slice(0, -1)) assert.ok(existsSync(join(root, source)), `COPY source ${source} exists in the repository`);
  }
  const users = ins.filter((i) => i.stage === 1 && i.op === 'USER');
  assert.ok(users.length > 0, 'a USER in the runtime stage');
  assert.doesNotMatch(users.at(-1)!.args, /^(root|0)(:|$)/, 'the final user is not root');
  assert.ok(ins.some((i) => i.stage === 1 && i.op === 'EXPOSE' && i.args === '8080'));
  assert.ok(ins.some((i) => i.stage === 1 && i.op === 'HEALTHCHECK' && i.args.includes('/health')));
  assert.deepEqual(JSON.parse(ins.find((i) => i.op === 'ENTRYPOINT')!.args), ['node', 'bin/ccag']);
  assert.deepEqual(JSON.parse(ins.find((i) => i.op === 'CMD')!.args), ['serve', '--host', '0.0.0.0']);
  const envNames = ins.filter((i) => i.op === 'ENV').flatMap((i) => [...i.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]!));
  assertKnownVariables('Dockerfile', envNames);
});

// ------------------------------------------------------------------------------- systemd

function unitFile(text: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      sections.set(current, []);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(eq > 0 && current, `unit line "${line}" is KEY=value inside a section`);
    sections.get(current)!.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return sections;
}

test('systemd/ccag.service: hardened unit with an environment file and a state directory', () => {
  const unit = unitFile(read('systemd', 'ccag.service'));
  assert.deepEqual([...unit.keys()], ['Unit', 'Service', 'Install']);
  const service = unit.get('Service')!;
  const get = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v);
  assert.match(get('ExecStart')[0] ?? '', /^\/\S+\/ccag serve\b/);
  assert.deepEqual(get('EnvironmentFile'), ['/etc/ccag/ccag.env']);
  assert.ok(get('DynamicUser')[0] === 'yes' || get('User').length > 0, 'not root');
  assert.deepEqual(get('StateDirectory'), ['ccag']);
  assert.deepEqual(get('Environment'), ['CCAG_DATA_DIR=%S/ccag'], 'the data folder is the state directory');
  assert.deepEqual(get('Restart'), ['on-failure']);
  for (const [key, value] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes']]) {
    assert.deepEqual(get(key!), [value], `${key}=${value}`);
  }
  assert.deepEqual(get('MemoryDenyWriteExecute'), [], 'no MemoryDenyWriteExecute: V8\'s JIT needs it off');
  assert.deepEqual(get('RestartPreventExitStatus'), ['2'], 'an invalid configuration (exit 2) is not restarted in a loop');
  assert.deepEqual(unit.get('Install'), [['WantedBy', 'multi-user.target']]);

  // The example environment file, commented lines included.
  const example = read('systemd', 'ccag.env.example');
  const names = [...example.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
  const unitEnv = get('Environment').map((e) => e.split('=')[0]!);
  assertKnownVariables('systemd/', [...names, ...unitEnv]);
  const env = Object.fromEntries([...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const config = loadConfig({}, { ...env, CCAG_DATA_DIR: '/var/lib/ccag' });
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.usePgEnv, true);
  assert.ok(config.shutdownTimeoutMs < Number.parseInt(get('TimeoutStopSec')[0]!, 10) * 1000, 'systemd waits longer than the drain');
});

// ------------------------------------------------------------------------------- documentation

test('every environment variable the templates set is documented', () => {
  const docs = ['configuration.md', 'deployment.md'].map((f) => readFileSync(join(root, 'docs', f), 'utf8')).join('\n');
  const all = new Set<string>();
  const { resources } = checkCfn(parseCfn(read('aws', 'cloudformation.yaml')));
  for (const [, taskDef] of resourcesOfType(resources, 'AWS::ECS::TaskDefinition')) {
    for (const c of list(obj(taskDef.Properties, 'p').ContainerDefinitions, 'c')) {
      for (const e of [...list(obj(c, 'c').Environment ?? [], 'e'), ...list(obj(c, 'c').Secrets ?? [], 's')]) all.add(String(obj(e, 'e').Name));
    }
  }
  for (const name of composeEnvironment(obj(obj(obj(parseYaml('docker-compose.yml'), 'c').services, 's').ccag, 'ccag')).keys()) all.add(name);
  for (const o of kubernetesObjects()) {
    if (o.kind === 'Secret') for (const k of Object.keys(obj(o.stringData, 'd'))) all.add(k);
  }
  for (const m of read('kubernetes', 'deployment.yaml').matchAll(/- name: ([A-Z][A-Z0-9_]+)$/gm)) all.add(m[1]!);
  for (const m of read('systemd', 'ccag.env.example').matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)) all.add(m[1]!);
  const undocumented = [...all].filter((name) => !new RegExp(`\\b${name}\\b`).test(docs));
  assert.deepEqual(undocumented, []);
  assert.ok(all.size > 10);
});
