// Package meter measures the DynamoDB capacity a piece of code consumes. A Meter is an SDK
// middleware: passed to dynamodb.New or dynamodb.NewFromConfig with Option, it asks DynamoDB for
// ReturnConsumedCapacity=INDEXES on every item and query request, and records, per labelled
// operation, the read and write units each request consumed on the table and on each index.
//
// What DynamoDB bills and what it reports can differ, and the meter records what is billed:
//   - Transactions (TransactWriteItems, TransactGetItems) bill twice the units of the same
//     requests made alone. The meter multiplies what the endpoint reports for them by
//     TransactionFactor: 2 by default, for endpoints that report transactions at the plain rate.
//     Calibrate measures the endpoint (one probe transaction) and sets the factor so the recorded
//     figure is 2x either way. DynamoDB Local also drops items from its report when a transaction
//     holds several items alike (two small puts report 2 WCU, not 4), so the meter never records a
//     transaction below what its items cost at 2x: item by item from their sizes, and index by index
//     from the key schema Calibrate learns.
//   - A failed conditional write (ConditionalCheckFailedException) still consumes write capacity,
//     but the error carries no ConsumedCapacity. The meter estimates it as DynamoDB documents it:
//     the size of the existing item in 1 KB units, at least 1 WCU (the item is known when the
//     request asked for ReturnValuesOnConditionCheckFailure=ALL_OLD; otherwise 1 WCU). Such calls
//     are marked Estimated. A cancelled transaction is estimated the same way, per item, doubled.
//
// It is a measuring tool for the benchmarks, in their own module: product code cannot import it.
package meter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Units are capacity units: read request units and write request units.
type Units struct {
	Read  float64 `json:"read"`
	Write float64 `json:"write"`
}

// Add returns the sum of u and v.
func (u Units) Add(v Units) Units { return Units{Read: u.Read + v.Read, Write: u.Write + v.Write} }

// Scale returns u times f.
func (u Units) Scale(f float64) Units { return Units{Read: u.Read * f, Write: u.Write * f} }

// IsZero reports whether no units were consumed.
func (u Units) IsZero() bool { return u.Read == 0 && u.Write == 0 }

func (u Units) String() string { return fmt.Sprintf("%g RCU + %g WCU", u.Read, u.Write) }

// Call is one DynamoDB request as the meter saw it.
type Call struct {
	// Operation is the label the request's context carried (WithOperation), or "".
	Operation string `json:"operation"`
	// API is the DynamoDB action: GetItem, PutItem, Query, TransactWriteItems…
	API   string `json:"api"`
	Table string `json:"table"`
	// Target is the shape of what the request touched, without ids: its key's upper-case segments
	// ("T#…#U#…/SESSION#…"), or the index a query used and its key values ("GSI1 T#…#REF").
	Target string `json:"target"`
	// Units is what DynamoDB bills for the request: table plus indexes, transactions doubled.
	Units Units `json:"units"`
	// TableUnits and Indexes split Units by where they were consumed.
	TableUnits Units            `json:"tableUnits"`
	Indexes    map[string]Units `json:"indexes,omitempty"`
	// Reported is the CapacityUnits the endpoint reported (summed over tables), before any
	// transaction factor or estimate.
	Reported float64 `json:"reported"`
	// Estimated is true when the endpoint reported nothing (failed conditional write, cancelled
	// transaction) and Units is the meter's estimate.
	Estimated bool `json:"estimated,omitempty"`
	// Transactional marks TransactWriteItems and TransactGetItems.
	Transactional bool `json:"transactional,omitempty"`
	// Failed is the error code of a failed request ("ConditionalCheckFailedException"), or "".
	Failed string `json:"failed,omitempty"`
	// Items is how many items the request returned; Bytes their size by DynamoDB's item size rules
	// (for writes: the size of the items written).
	Items    int           `json:"items"`
	Bytes    int           `json:"bytes"`
	Duration time.Duration `json:"duration"`
	// Input and Output are the SDK's request and response values (Output is nil on error), for
	// tools that replay the calls an operation makes. Input has ReturnConsumedCapacity set by the
	// meter.
	Input  any `json:"-"`
	Output any `json:"-"`
}

// Meter records the capacity of every request made through clients built with its Option.
type Meter struct {
	// TransactionFactor multiplies the units reported for TransactWriteItems and TransactGetItems.
	// New sets 2 (endpoints that report transactions at the plain rate); Calibrate corrects it.
	TransactionFactor float64

	mu      sync.Mutex
	calls   []Call
	indexes map[string][]indexKeys // by table, learnt by Calibrate
}

// New returns an empty meter.
func New() *Meter { return &Meter{TransactionFactor: 2} }

type opKey struct{}

// WithOperation labels the requests made with ctx (and contexts derived from it) as operation op.
func WithOperation(ctx context.Context, op string) context.Context {
	return context.WithValue(ctx, opKey{}, op)
}

// Operation returns the label of ctx, or "".
func Operation(ctx context.Context) string {
	op, _ := ctx.Value(opKey{}).(string)
	return op
}

// Option installs the meter on a DynamoDB client:
//
//	m := meter.New()
//	db := dynamodb.NewFromConfig(cfg, m.Option())
func (m *Meter) Option() func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("referloop/capacity", m.handle), middleware.After)
		})
	}
}

// Reset forgets every recorded call.
func (m *Meter) Reset() {
	m.mu.Lock()
	m.calls = nil
	m.mu.Unlock()
}

// Calls returns the recorded calls, oldest first.
func (m *Meter) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Call(nil), m.calls...)
}

// Of returns the recorded calls labelled op, oldest first.
func (m *Meter) Of(op string) []Call {
	var out []Call
	for _, c := range m.Calls() {
		if c.Operation == op {
			out = append(out, c)
		}
	}
	return out
}

// Sum adds up the billed units of calls.
func Sum(calls []Call) Units {
	var u Units
	for _, c := range calls {
		u = u.Add(c.Units)
	}
	return u
}

// ByIndex adds up calls' units by where they were consumed: "table" or the index name.
func ByIndex(calls []Call) map[string]Units {
	out := map[string]Units{}
	for _, c := range calls {
		if !c.TableUnits.IsZero() {
			out["table"] = out["table"].Add(c.TableUnits)
		}
		for name, u := range c.Indexes {
			out[name] = out[name].Add(u)
		}
	}
	return out
}

func (m *Meter) record(c Call) {
	m.mu.Lock()
	m.calls = append(m.calls, c)
	m.mu.Unlock()
}

// isWrite says whether an API consumes write units.
func isWrite(api string) bool {
	switch api {
	case "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems":
		return true
	}
	return false
}

func (m *Meter) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	idx := types.ReturnConsumedCapacityIndexes
	c := Call{Operation: Operation(ctx), Input: in.Parameters}
	switch p := in.Parameters.(type) {
	case *dynamodb.GetItemInput:
		p.ReturnConsumedCapacity, c.API, c.Table, c.Target = idx, "GetItem", aws.ToString(p.TableName), keyShape(p.Key)
	case *dynamodb.PutItemInput:
		p.ReturnConsumedCapacity, c.API, c.Table, c.Target = idx, "PutItem", aws.ToString(p.TableName), keyShape(p.Item)
		c.Bytes = ItemSize(p.Item)
	case *dynamodb.UpdateItemInput:
		p.ReturnConsumedCapacity, c.API, c.Table, c.Target = idx, "UpdateItem", aws.ToString(p.TableName), keyShape(p.Key)
	case *dynamodb.DeleteItemInput:
		p.ReturnConsumedCapacity, c.API, c.Table, c.Target = idx, "DeleteItem", aws.ToString(p.TableName), keyShape(p.Key)
	case *dynamodb.QueryInput:
		p.ReturnConsumedCapacity, c.API, c.Table, c.Target = idx, "Query", aws.ToString(p.TableName), queryShape(p)
	case *dynamodb.ScanInput:
		p.ReturnConsumedCapacity, c.API, c.Table, c.Target = idx, "Scan", aws.ToString(p.TableName), orTable(aws.ToString(p.IndexName))
	case *dynamodb.BatchGetItemInput:
		p.ReturnConsumedCapacity, c.API, c.Table = idx, "BatchGetItem", strings.Join(sortedKeys(p.RequestItems), ",")
		var shapes []string
		for _, ka := range p.RequestItems {
			for _, k := range ka.Keys {
				shapes = append(shapes, keyShape(k))
			}
		}
		c.Target = joinShapes(shapes)
	case *dynamodb.BatchWriteItemInput:
		p.ReturnConsumedCapacity, c.API, c.Table = idx, "BatchWriteItem", strings.Join(sortedKeys(p.RequestItems), ",")
		var shapes []string
		for _, reqs := range p.RequestItems {
			for _, r := range reqs {
				if r.PutRequest != nil {
					shapes = append(shapes, "put "+keyShape(r.PutRequest.Item))
					c.Bytes += ItemSize(r.PutRequest.Item)
				} else if r.DeleteRequest != nil {
					shapes = append(shapes, "delete "+keyShape(r.DeleteRequest.Key))
				}
			}
		}
		c.Target = joinShapes(shapes)
	case *dynamodb.TransactWriteItemsInput:
		p.ReturnConsumedCapacity, c.API, c.Transactional = idx, "TransactWriteItems", true
		tables := map[string]bool{}
		var shapes []string
		for _, it := range p.TransactItems {
			table, verb, shape := transactItem(it)
			tables[table] = true
			shapes = append(shapes, verb+" "+shape)
			if it.Put != nil {
				c.Bytes += ItemSize(it.Put.Item)
			}
		}
		c.Table, c.Target = strings.Join(sortedKeys(tables), ","), joinShapes(shapes)
	case *dynamodb.TransactGetItemsInput:
		p.ReturnConsumedCapacity, c.API, c.Transactional = idx, "TransactGetItems", true
		tables := map[string]bool{}
		var shapes []string
		for _, it := range p.TransactItems {
			if it.Get != nil {
				tables[aws.ToString(it.Get.TableName)] = true
				shapes = append(shapes, keyShape(it.Get.Key))
			}
		}
		c.Table, c.Target = strings.Join(sortedKeys(tables), ","), joinShapes(shapes)
	default:
		// Control-plane and other calls (DescribeTable, CreateTable…) consume no capacity.
		return next.HandleInitialize(ctx, in)
	}

	start := time.Now()
	out, md, err := next.HandleInitialize(ctx, in)
	c.Duration = time.Since(start)
	if err == nil {
		c.Output = out.Result
		m.fromOutput(&c, out.Result)
	} else {
		m.fromError(&c, in.Parameters, err)
	}
	m.record(c)
	return out, md, err
}

// fromOutput reads the consumed capacity and the returned items of a successful request.
func (m *Meter) fromOutput(c *Call, result any) {
	var ccs []types.ConsumedCapacity
	switch o := result.(type) {
	case *dynamodb.GetItemOutput:
		ccs = one(o.ConsumedCapacity)
		if len(o.Item) > 0 {
			c.Items, c.Bytes = 1, ItemSize(o.Item)
		}
	case *dynamodb.PutItemOutput:
		ccs = one(o.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		ccs = one(o.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		ccs = one(o.ConsumedCapacity)
	case *dynamodb.QueryOutput:
		ccs = one(o.ConsumedCapacity)
		c.Items = len(o.Items)
		for _, it := range o.Items {
			c.Bytes += ItemSize(it)
		}
	case *dynamodb.ScanOutput:
		ccs = one(o.ConsumedCapacity)
		c.Items = len(o.Items)
		for _, it := range o.Items {
			c.Bytes += ItemSize(it)
		}
	case *dynamodb.BatchGetItemOutput:
		ccs = o.ConsumedCapacity
		for _, items := range o.Responses {
			c.Items += len(items)
			for _, it := range items {
				c.Bytes += ItemSize(it)
			}
		}
	case *dynamodb.BatchWriteItemOutput:
		ccs = o.ConsumedCapacity
	case *dynamodb.TransactWriteItemsOutput:
		ccs = o.ConsumedCapacity
	case *dynamodb.TransactGetItemsOutput:
		ccs = o.ConsumedCapacity
		for _, r := range o.Responses {
			if len(r.Item) > 0 {
				c.Items++
				c.Bytes += ItemSize(r.Item)
			}
		}
	}
	factor := 1.0
	if c.Transactional {
		factor = m.TransactionFactor
	}
	write := isWrite(c.API)
	for _, cc := range ccs {
		c.Reported += aws.ToFloat64(cc.CapacityUnits)
		if cc.Table != nil {
			c.TableUnits = c.TableUnits.Add(units(cc.Table, write).Scale(factor))
		}
		for name, ic := range cc.GlobalSecondaryIndexes {
			c.addIndex(name, units(&ic, write).Scale(factor))
		}
		for name, ic := range cc.LocalSecondaryIndexes {
			c.addIndex(name, units(&ic, write).Scale(factor))
		}
		if cc.Table == nil && len(cc.GlobalSecondaryIndexes) == 0 && len(cc.LocalSecondaryIndexes) == 0 {
			// Only a total (some endpoints answer TransactGetItems this way): count it on the table.
			total := aws.ToFloat64(cc.CapacityUnits)
			if write {
				c.TableUnits.Write += total * factor
			} else {
				c.TableUnits.Read += total * factor
			}
		}
	}
	if c.Transactional {
		m.floorTransaction(c, result)
	}
	c.total()
}

func (c *Call) total() {
	c.Units = c.TableUnits
	for _, u := range c.Indexes {
		c.Units = c.Units.Add(u)
	}
}

// floorTransaction raises a transaction's units, table and index by index, to what its items cost
// at the transactional rate when the endpoint reported less (DynamoDB Local under-reports
// transactions of several items alike). Items whose stored size the request does not show (update,
// delete, condition check) count at the 1-unit minimum, and the call is then marked Estimated.
func (m *Meter) floorTransaction(c *Call, result any) {
	var table Units
	index := map[string]Units{}
	guessed := false
	switch in := c.Input.(type) {
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range in.TransactItems {
			if it.Put == nil {
				table.Write += 2
				guessed = true
				continue
			}
			w := 2 * math.Max(1, math.Ceil(float64(ItemSize(it.Put.Item))/1024))
			table.Write += w
			for _, ix := range m.indexesOf(aws.ToString(it.Put.TableName)) {
				if ix.holds(it.Put.Item) {
					index[ix.name] = index[ix.name].Add(Units{Write: w})
				}
			}
		}
	case *dynamodb.TransactGetItemsInput:
		if out, ok := result.(*dynamodb.TransactGetItemsOutput); ok {
			for _, r := range out.Responses {
				table.Read += 2 * math.Max(1, math.Ceil(float64(ItemSize(r.Item))/4096))
			}
		}
	}
	raised := false
	if table.Read > c.TableUnits.Read || table.Write > c.TableUnits.Write {
		c.TableUnits = Units{Read: math.Max(table.Read, c.TableUnits.Read), Write: math.Max(table.Write, c.TableUnits.Write)}
		raised = true
	}
	for name, u := range index {
		if have := c.Indexes[name]; u.Write > have.Write {
			c.addIndex(name, Units{Write: u.Write - have.Write})
			raised = true
		}
	}
	if raised && guessed {
		c.Estimated = true
	}
}

// indexKeys is a secondary index's key attributes: an item is in the index when it has them all.
type indexKeys struct {
	name string
	keys []string
}

func (ix indexKeys) holds(item map[string]types.AttributeValue) bool {
	for _, k := range ix.keys {
		if _, ok := item[k]; !ok {
			return false
		}
	}
	return true
}

func (m *Meter) indexesOf(table string) []indexKeys {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.indexes[table]
}

func (c *Call) addIndex(name string, u Units) {
	if c.Indexes == nil {
		c.Indexes = map[string]Units{}
	}
	c.Indexes[name] = c.Indexes[name].Add(u)
}

// units reads a Capacity: its read and write parts when the endpoint splits them, else its total
// as reads or writes by the kind of request.
func units(cp *types.Capacity, write bool) Units {
	if cp.ReadCapacityUnits != nil || cp.WriteCapacityUnits != nil {
		return Units{Read: aws.ToFloat64(cp.ReadCapacityUnits), Write: aws.ToFloat64(cp.WriteCapacityUnits)}
	}
	if write {
		return Units{Write: aws.ToFloat64(cp.CapacityUnits)}
	}
	return Units{Read: aws.ToFloat64(cp.CapacityUnits)}
}

func one(cc *types.ConsumedCapacity) []types.ConsumedCapacity {
	if cc == nil {
		return nil
	}
	return []types.ConsumedCapacity{*cc}
}

// fromError estimates what a failed request consumed when DynamoDB bills it but reports nothing.
func (m *Meter) fromError(c *Call, params any, err error) {
	var ccf *types.ConditionalCheckFailedException
	var tce *types.TransactionCanceledException
	switch {
	case errors.As(err, &ccf):
		c.Failed = "ConditionalCheckFailedException"
		// Billed on the existing item's size, at least 1 WCU; no index is written.
		wcu := 1.0
		if len(ccf.Item) > 0 {
			wcu = math.Max(1, math.Ceil(float64(ItemSize(ccf.Item))/1024))
		}
		c.TableUnits, c.Units, c.Estimated = Units{Write: wcu}, Units{Write: wcu}, true
	case errors.As(err, &tce):
		c.Failed = "TransactionCanceledException"
		// An upper bound: every item at its written size (at least 1 unit), transactional rate.
		var u Units
		if in, ok := params.(*dynamodb.TransactWriteItemsInput); ok {
			for _, it := range in.TransactItems {
				size := 0
				if it.Put != nil {
					size = ItemSize(it.Put.Item)
				}
				u.Write += math.Max(1, math.Ceil(float64(size)/1024))
			}
		}
		if in, ok := params.(*dynamodb.TransactGetItemsInput); ok {
			u.Read += float64(len(in.TransactItems))
		}
		u = u.Scale(2)
		c.TableUnits, c.Units, c.Estimated = u, u, true
	default:
		c.Failed = errorCode(err)
	}
}

func errorCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "error"
}

// Calibrate learns table's secondary indexes (so a transaction's items can be costed index by
// index) and measures how db's endpoint reports transactions, setting TransactionFactor so that a
// transactional request is recorded at twice the units of the same request made alone, which is
// what DynamoDB bills. It writes and deletes one small probe item in table. db must not carry this
// meter.
func (m *Meter) Calibrate(ctx context.Context, db *dynamodb.Client, table string) error {
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		return fmt.Errorf("capacity: describe %s: %w", table, err)
	}
	var ixs []indexKeys
	add := func(name *string, ks []types.KeySchemaElement) {
		ix := indexKeys{name: aws.ToString(name)}
		for _, k := range ks {
			ix.keys = append(ix.keys, aws.ToString(k.AttributeName))
		}
		ixs = append(ixs, ix)
	}
	for _, g := range desc.Table.GlobalSecondaryIndexes {
		add(g.IndexName, g.KeySchema)
	}
	for _, l := range desc.Table.LocalSecondaryIndexes {
		add(l.IndexName, l.KeySchema)
	}
	m.mu.Lock()
	if m.indexes == nil {
		m.indexes = map[string][]indexKeys{}
	}
	m.indexes[table] = ixs
	m.mu.Unlock()

	key := map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "CAPACITY#probe"},
		"SK": &types.AttributeValueMemberS{Value: fmt.Sprintf("%d", time.Now().UnixNano())},
	}
	out, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems:          []types.TransactWriteItem{{Put: &types.Put{TableName: &table, Item: key}}},
	})
	if err != nil {
		return fmt.Errorf("capacity probe: %w", err)
	}
	defer func() {
		_, _ = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key})
	}()
	var reported float64
	for _, cc := range out.ConsumedCapacity {
		reported += aws.ToFloat64(cc.CapacityUnits)
	}
	// The probe is one item of a few bytes with no index keys: 1 WCU alone, 2 WCU in a transaction.
	switch {
	case reported >= 1.5:
		m.TransactionFactor = 1
	case reported > 0:
		m.TransactionFactor = 2 / reported
	default:
		return errors.New("capacity probe: the endpoint reported no consumed capacity for a transaction")
	}
	return nil
}

// ItemSize is an item's size by DynamoDB's rules: for each attribute the UTF-8 length of its name
// plus the size of its value (strings and binaries by length, numbers about one byte per two
// significant digits plus one, booleans and nulls one byte, lists and maps three bytes plus their
// elements, one byte per element).
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return numberSize(x.Value)
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range x.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range x.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range x.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

func numberSize(s string) int {
	digits := strings.Trim(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.SplitN(strings.ToLower(s), "e", 2)[0]), "0")
	if digits == "" {
		return 1
	}
	return (len(digits)+1)/2 + 1
}

// keyShape describes a key (or an item's key) without ids: each '#'-separated segment of the
// key attributes that is an upper-case word is kept, anything else becomes "…":
// "T#…#U#…/SESSION#…".
func keyShape(item map[string]types.AttributeValue) string {
	return shape(item["PK"]) + "/" + shape(item["SK"])
}

func shape(v types.AttributeValue) string {
	s, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		return "?"
	}
	parts := strings.Split(s.Value, "#")
	for i, p := range parts {
		if !isWord(p) {
			parts[i] = "…"
		}
	}
	return strings.Join(parts, "#")
}

func isWord(s string) bool {
	if s == "" || len(s) > 12 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func queryShape(q *dynamodb.QueryInput) string {
	var parts []string
	for _, v := range q.ExpressionAttributeValues {
		parts = append(parts, shape(v))
	}
	sort.Strings(parts)
	return orTable(aws.ToString(q.IndexName)) + " " + strings.Join(parts, ",")
}

func orTable(index string) string {
	if index == "" {
		return "table"
	}
	return index
}

func transactItem(it types.TransactWriteItem) (table, verb, shape string) {
	switch {
	case it.Put != nil:
		return aws.ToString(it.Put.TableName), "put", keyShape(it.Put.Item)
	case it.Update != nil:
		return aws.ToString(it.Update.TableName), "update", keyShape(it.Update.Key)
	case it.Delete != nil:
		return aws.ToString(it.Delete.TableName), "delete", keyShape(it.Delete.Key)
	case it.ConditionCheck != nil:
		return aws.ToString(it.ConditionCheck.TableName), "check", keyShape(it.ConditionCheck.Key)
	}
	return "", "?", "?"
}

func joinShapes(s []string) string { return strings.Join(s, "; ") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
